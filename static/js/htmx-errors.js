/*
 * A request made by htmx (or by the lab's own scripts) that gets no usable answer — a
 * server error, or no answer at all — shows a message beside the form or link that sent
 * it. htmx swaps only 2xx answers, so without this the page would simply not change.
 *
 * The words come from the page, in its language: <template id="request-error-words"
 * data-error="…" data-failed="…">, with "{status}" standing for the HTTP status.
 */
const BOX_CLASS = "request-error";

function words(status) {
  const source = document.getElementById("request-error-words");
  if (!status) {
    return source?.getAttribute("data-failed") || "The request could not be sent.";
  }
  const text = source?.getAttribute("data-error") || "The server could not answer ({status}).";
  return text.replace("{status}", String(status));
}

/** Show the message for `status` (0: nothing came back) beside `element`. */
export function showRequestError(element, status) {
  const anchor = element?.closest?.("form") || element;
  if (!anchor?.parentNode) {
    return;
  }
  let box = anchor.previousElementSibling;
  if (!box?.classList.contains(BOX_CLASS)) {
    box = document.createElement("p");
    box.className = `${BOX_CLASS} lab-result lab-result--error`;
    box.setAttribute("role", "alert");
    anchor.parentNode.insertBefore(box, anchor);
  }
  box.textContent = words(status);
}

/** Remove the message beside `element`, once a later request of it got its answer. */
export function clearRequestError(element) {
  const anchor = element?.closest?.("form") || element;
  const box = anchor?.previousElementSibling;
  if (box?.classList.contains(BOX_CLASS)) {
    box.remove();
  }
}

document.addEventListener("htmx:responseError", (event) => {
  showRequestError(event.detail.elt, event.detail.xhr ? event.detail.xhr.status : 0);
});
document.addEventListener("htmx:sendError", (event) => {
  showRequestError(event.detail.elt, 0);
});
document.addEventListener("htmx:beforeRequest", (event) => {
  clearRequestError(event.detail.elt);
});
