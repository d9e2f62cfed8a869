/*
 * The Connect page: a Copy button beside each set-up block and the new secret. Without
 * this file the buttons stay hidden and the text (selectable) is copied by hand. The
 * keys' part of the page also comes from htmx (Create access key), so the buttons are
 * found by a click anywhere, and shown whenever htmx brings new ones.
 */
function reveal(root) {
  root.querySelectorAll("[data-connect-copy]").forEach((button) => {
    button.hidden = false;
  });
}

function say() {
  const status = document.querySelector(".connect-copied");
  if (status) {
    status.textContent = "";
    status.textContent = status.dataset.copiedText;
  }
}

function select(element) {
  const range = document.createRange();
  range.selectNodeContents(element);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-connect-copy]");
  if (!button) {
    return;
  }
  const source = document.querySelector(button.getAttribute("data-connect-copy"));
  if (!source) {
    return;
  }
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(source.textContent).then(say, () => select(source));
  } else {
    select(source);
    say();
  }
});

document.addEventListener("htmx:afterSettle", (event) => {
  reveal(event.target);
});

reveal(document);
