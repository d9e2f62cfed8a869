/*
 * The glossary's search box, as one types. Without this file the box is a plain GET form
 * that the server answers with the matching entries; with it, the list on the page is
 * filtered in place (the same rule as the server: NFKC, case folded, spaces dropped) and
 * the address keeps ?q= so the filtered page can be shared or reloaded.
 */
function normalise(text) {
  return text.normalize("NFKC").toLowerCase().replace(/\s+/g, "");
}

function start() {
  const form = document.querySelector("[data-glossary-search]");
  if (!form) {
    return;
  }
  const input = form.querySelector("input[name=q]");
  const count = form.querySelector("[data-glossary-count]");
  const entries = Array.from(document.querySelectorAll("[data-glossary-entry]"));
  // The server may have filtered already (?q= without JavaScript): show every entry
  // the page holds and filter them here.
  const filter = () => {
    const needle = normalise(input.value);
    let shown = 0;
    for (const entry of entries) {
      const match = !needle || entry.dataset.search.includes(needle);
      entry.hidden = !match;
      shown += match ? 1 : 0;
    }
    if (shown === 0) {
      count.textContent = count.dataset.none;
    } else if (shown === 1) {
      count.textContent = count.dataset.one;
    } else {
      count.textContent = count.dataset.many.replace("{n}", String(shown));
    }
    const url = new URL(window.location.href);
    if (needle) {
      url.searchParams.set("q", input.value);
    } else {
      url.searchParams.delete("q");
    }
    window.history.replaceState(null, "", url);
  };
  input.addEventListener("input", filter);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    filter();
  });
}

start();
