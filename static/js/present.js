/*
 * Presenter mode (templates/web/present/): one step per key press, on the presenter page
 * and in its speaker window.
 *
 *   Space → ↓ PageDown   next step          ← ↑ PageUp   previous step
 *   Home End              first, last        B .          blank the screen, and back
 *   Q                     QR code            S            speaker window
 *   F                     full screen        T            light or dark projector theme
 *   ?                     the keys           Esc          close a box, else leave
 *
 * A presentation clicker sends PageUp and PageDown. A step is the server's #stage for
 * ?step=N (fetched with HX-Request, the neighbours fetched ahead), so a long trace never
 * loads at once. The two windows keep the same step through a BroadcastChannel named
 * after the presenter page. Without this file every step is a plain link.
 */
const root = document.querySelector("[data-present]");
const isSpeaker = root?.hasAttribute("data-speaker-window") ?? false;
const channel =
  root && "BroadcastChannel" in window
    ? new BroadcastChannel(`present:${root.dataset.channel}`)
    : null;
const fetched = new Map();
let wanted = 0;
let fullscreenAsked = false;

function stage() {
  return document.getElementById("stage");
}

function current() {
  return Number(stage()?.dataset.step ?? 1);
}

function total() {
  return Number(stage()?.dataset.total ?? 1);
}

function stepText(n) {
  return (root.dataset.stepWords ?? "")
    .replace("{n}", String(n))
    .replace("{total}", String(total()));
}

function fetchStage(n) {
  if (!fetched.has(n)) {
    const request = fetch(`?step=${n}`, {
      headers: { "HX-Request": "true" },
      credentials: "same-origin",
    }).then((response) => {
      if (!response.ok) {
        throw new Error(`HTTP ${response.status}`);
      }
      return response.text();
    });
    request.catch(() => fetched.delete(n));
    fetched.set(n, request);
  }
  return fetched.get(n);
}

function prefetch(n) {
  if (n >= 1 && n <= total()) {
    fetchStage(n).catch(() => undefined);
  }
}

function swap(html) {
  const template = document.createElement("template");
  template.innerHTML = html.trim();
  const next = template.content.firstElementChild;
  const focused = document.activeElement?.id;
  stage().replaceWith(next);
  if (focused && next.querySelector(`#${CSS.escape(focused)}`)) {
    document.getElementById(focused).focus();
  }
}

function announce() {
  const live = document.getElementById("present-live");
  const title = stage()?.querySelector("h2");
  if (live) {
    live.textContent = `${stepText(current())} ${title ? title.textContent.trim() : ""}`;
  }
}

// The step the screen is on, or the one it is on its way to: key presses while a step is
// still being fetched count from there, so a quick run of clicker presses loses none.
function aimed() {
  return wanted || current();
}

async function go(n, { tell = true } = {}) {
  const target = Math.min(Math.max(n, 1), total());
  if (target === aimed()) {
    return;
  }
  if (target === current()) {
    wanted = 0; // back where the screen already is: the pending move is dropped
    return;
  }
  wanted = target;
  let html;
  try {
    html = await fetchStage(target);
  } catch {
    // The server could not answer the swap: the plain link still works.
    window.location.assign(`?step=${target}`);
    return;
  }
  if (wanted !== target) {
    return; // a later key press asked for another step
  }
  wanted = 0;
  swap(html);
  window.history.replaceState(window.history.state, "", `?step=${target}`);
  announce();
  if (tell && channel) {
    channel.postMessage({ type: "go", step: target });
  }
  prefetch(target + 1);
  prefetch(target - 1);
}

function blank() {
  return document.getElementById("present-blank");
}

function isBlank() {
  return Boolean(blank() && !blank().hidden);
}

function toggleBlank() {
  const cover = blank();
  if (cover) {
    cover.hidden = !cover.hidden;
  }
}

function openDialog(id) {
  const dialog = document.getElementById(id);
  if (dialog && !dialog.open) {
    dialog.showModal();
  }
  return dialog;
}

function csrfToken() {
  try {
    return JSON.parse(document.body.getAttribute("hx-headers") ?? "{}")["X-CSRFToken"] ?? "";
  } catch {
    return "";
  }
}

async function showQr() {
  openDialog("present-qr");
  const holder = document.getElementById("present-share");
  if (!holder || holder.dataset.ready === "true" || holder.dataset.asked === "true") {
    return;
  }
  holder.dataset.asked = "true";
  try {
    const response = await fetch(root.dataset.share, {
      method: "POST",
      headers: { "HX-Request": "true", "X-CSRFToken": csrfToken() },
      credentials: "same-origin",
    });
    const template = document.createElement("template");
    template.innerHTML = (await response.text()).trim();
    holder.replaceWith(template.content.firstElementChild);
  } catch {
    holder.dataset.asked = "false";
  }
}

function openSpeaker() {
  const url = `${root.dataset.speaker}?step=${current()}`;
  window.open(url, `speaker:${root.dataset.channel}`, "popup,width=960,height=640");
}

function toggleFullscreen() {
  if (document.fullscreenElement) {
    document.exitFullscreen().catch(() => undefined);
  } else {
    document.documentElement.requestFullscreen?.().catch(() => undefined);
  }
}

function fullscreenOnce() {
  // Full screen on the first key or click; the page works the same without it.
  if (!fullscreenAsked && !isSpeaker && !document.fullscreenElement) {
    fullscreenAsked = true;
    document.documentElement.requestFullscreen?.().catch(() => undefined);
  }
}

function toggleTheme() {
  const dark = window.matchMedia("(prefers-color-scheme: dark)").matches;
  const now = root.dataset.theme ?? (dark ? "dark" : "light");
  root.dataset.theme = now === "dark" ? "light" : "dark";
}

function leave() {
  if (isSpeaker) {
    window.close();
    return;
  }
  const link = stage()?.querySelector("[data-present-exit]");
  window.location.assign(link ? link.getAttribute("href") : root.dataset.exit);
}

const NEXT = new Set([" ", "Spacebar", "ArrowRight", "ArrowDown", "PageDown"]);
const PREVIOUS = new Set(["ArrowLeft", "ArrowUp", "PageUp"]);

function step(key) {
  if (NEXT.has(key)) {
    go(aimed() + 1);
  } else if (PREVIOUS.has(key)) {
    go(aimed() - 1);
  } else if (key === "Home") {
    go(1);
  } else if (key === "End") {
    go(total());
  } else {
    return false;
  }
  return true;
}

const COMMANDS = {
  b: toggleBlank,
  ".": toggleBlank,
  q: showQr,
  s: openSpeaker,
  f: toggleFullscreen,
  t: toggleTheme,
  "?": () => openDialog("present-help"),
  Escape: leave,
};

function onKey(event) {
  if (event.altKey || event.ctrlKey || event.metaKey || event.defaultPrevented) {
    return;
  }
  if (document.querySelector("dialog[open]")) {
    return; // the open box keeps its keys; Esc closes it
  }
  const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
  const onControl = event.target.closest?.("a, button, input, select, textarea, summary");
  if ((key === " " || key === "Enter") && onControl) {
    return; // Space and Enter press the focused control
  }
  if (isBlank()) {
    // Any presenter key brings the screen back, without moving on.
    if (NEXT.has(key) || PREVIOUS.has(key) || key in COMMANDS) {
      event.preventDefault();
      toggleBlank();
    }
    return;
  }
  if (
    isSpeaker &&
    !NEXT.has(key) &&
    !PREVIOUS.has(key) &&
    !["Home", "End", "Escape"].includes(key)
  ) {
    return;
  }
  if (step(key)) {
    event.preventDefault();
  } else if (key in COMMANDS) {
    event.preventDefault();
    COMMANDS[key]();
  } else {
    return;
  }
  // Not for Esc or F (they are about leaving or full screen themselves), nor for S: the
  // new window takes the gesture, and the presenter's screen stays as it is.
  if (!["Escape", "f", "s"].includes(key)) {
    fullscreenOnce();
  }
}

function onClick(event) {
  const link = event.target.closest?.("#present-prev, #present-next");
  if (link) {
    event.preventDefault();
    if (link.getAttribute("aria-disabled") !== "true") {
      go(Number(new URL(link.href).searchParams.get("step")));
    }
  } else if (event.target.closest?.("[data-present-help]")) {
    openDialog("present-help");
  } else if (event.target.closest?.("[data-present-timer-reset]")) {
    startTimer();
    return;
  }
  if (!event.target.closest?.("a[href]:not(#present-prev, #present-next), dialog")) {
    fullscreenOnce();
  }
}

let timerStart = 0;
let timerTick = null;

function startTimer() {
  const clock = document.getElementById("present-timer");
  if (!clock) {
    return;
  }
  timerStart = Date.now();
  const show = () => {
    const seconds = Math.floor((Date.now() - timerStart) / 1000);
    const minutes = Math.floor(seconds / 60);
    clock.textContent = `${minutes}:${String(seconds % 60).padStart(2, "0")}`;
    clock.setAttribute("datetime", `PT${minutes}M${seconds % 60}S`);
  };
  show();
  if (timerTick === null) {
    timerTick = window.setInterval(show, 1000);
  }
}

if (root) {
  document.addEventListener("keydown", onKey);
  document.addEventListener("click", onClick);
  for (const hidden of root.querySelectorAll("[data-present-help], [data-present-timer-reset]")) {
    hidden.hidden = false;
  }
  if (channel) {
    channel.addEventListener("message", (event) => {
      const message = event.data ?? {};
      if (message.type === "go" && Number.isInteger(message.step)) {
        go(message.step, { tell: false });
      } else if (message.type === "hello" && !isSpeaker) {
        channel.postMessage({ type: "go", step: current() });
      }
    });
    if (isSpeaker) {
      channel.postMessage({ type: "hello" });
    }
  }
  startTimer();
  prefetch(current() + 1);
}
