/*
 * The class's pages poll with htmx (hx-trigger="every 1s" on the teacher's live panel,
 * every 3 s on a student's question). When a poll gets no answer (a network blip, the
 * server restarting), this shows a calm "Reconnecting…" note and keeps polling; the
 * next answer hides it again. Without this file the pages still work: they poll, and
 * without JavaScript they have a Refresh link.
 */
const LIVE = ["live", "student-live"];

function note() {
  return document.getElementById("class-reconnecting");
}

function isLive(event) {
  const element = event.detail?.elt;
  return element instanceof Element && LIVE.includes(element.id);
}

function failed(event) {
  if (isLive(event)) {
    const shown = note();
    if (shown) {
      shown.hidden = false;
    }
  }
}

function answered(event) {
  if (isLive(event) && event.detail.successful) {
    const shown = note();
    if (shown) {
      shown.hidden = true;
    }
  }
}

document.body.addEventListener("htmx:sendError", failed);
document.body.addEventListener("htmx:timeout", failed);
document.body.addEventListener("htmx:responseError", failed);
document.body.addEventListener("htmx:afterRequest", answered);
