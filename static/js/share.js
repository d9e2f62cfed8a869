/*
 * Share links: a "Copy link" button beside each link's text box. Without this file the
 * buttons stay hidden and the box (read-only, its text selectable) is copied by hand.
 * The owner's pages get the box from htmx too (the Share buttons), so the buttons are
 * found by a click anywhere, and shown whenever htmx brings a new box.
 */
function reveal(root) {
  root.querySelectorAll("[data-share-copy]").forEach((button) => {
    button.hidden = false;
  });
}

function say(button) {
  const box = button.closest(".share-made, .sandbox__content, main") || document;
  const status = box.querySelector(".share-copied");
  if (status) {
    status.textContent = status.dataset.copiedText;
  }
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-share-copy]");
  if (!button) {
    return;
  }
  const input = document.querySelector(button.getAttribute("data-share-copy"));
  if (!input) {
    return;
  }
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(input.value).then(
      () => say(button),
      () => input.select(),
    );
  } else {
    input.select();
    say(button);
  }
});

document.addEventListener("htmx:afterSettle", (event) => {
  reveal(event.target);
});

reveal(document);
