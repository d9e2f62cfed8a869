/*
 * A lesson page's behaviour. Everything works without this file: the prediction and the
 * Check yourself answers are plain forms that post and come back to their place.
 *
 * With it (htmx swaps the part that changed): the focus moves to what is new, so a
 * keyboard or screen reader user lands on it: after Run it, the verdict of the
 * prediction (or the error); after Check my answer, that question's verdict (or error).
 */
function landingAfter(path) {
  if (/\/try\/$/.test(path)) {
    const part = document.getElementById("try-it");
    return (
      part && (part.querySelector("[role=alert]") || part.querySelector("[data-lesson-verdict]"))
    );
  }
  const found = /\/check\/(\d+)\/$/.exec(path);
  if (found) {
    const question = document.querySelector(`[data-check="${found[1]}"]`);
    return (
      question &&
      (question.querySelector("[role=alert]") || question.querySelector("[data-check-verdict]"))
    );
  }
  return null;
}

document.body.addEventListener("htmx:afterSettle", (event) => {
  const config = event.detail?.requestConfig;
  const landing = config ? landingAfter(config.path || "") : null;
  if (landing) {
    if (!landing.hasAttribute("tabindex")) {
      landing.setAttribute("tabindex", "-1");
    }
    landing.focus();
  }
});
