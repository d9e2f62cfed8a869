/*
 * The trace page's small amount of behaviour: keys and Play step through the trace,
 * the packet travels between lanes, the step list follows the diagram, and the
 * permalink copies. Everything works without this file: steps are plain links
 * (?step=N) that htmx turns into a partial swap of #step-panel.
 *
 * Reduced motion: no travelling animation, state changes are instant.
 */
const PLAY_INTERVAL = 1800;
const reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
let timer = null;
let lastPacketY = null;

function panel() {
  return document.getElementById("step-panel");
}

function follow(link) {
  if (!link || link.getAttribute("aria-disabled") === "true") {
    return false;
  }
  link.click();
  return true;
}

function stop() {
  const play = document.getElementById("trace-play");
  if (timer !== null) {
    window.clearInterval(timer);
    timer = null;
  }
  if (play) {
    play.setAttribute("aria-pressed", "false");
    play.textContent = play.dataset.play;
  }
}

function start() {
  const play = document.getElementById("trace-play");
  const current = panel();
  if (!play || !current) {
    return;
  }
  if (current.dataset.step === current.dataset.total) {
    follow(document.getElementById("trace-first"));
  }
  play.setAttribute("aria-pressed", "true");
  play.textContent = play.dataset.pause;
  timer = window.setInterval(() => {
    if (!follow(document.getElementById("trace-next"))) {
      stop();
    }
  }, PLAY_INTERVAL);
}

function showStep(n) {
  const current = panel();
  if (!current || String(n) === current.dataset.step || !window.htmx) {
    return;
  }
  window.htmx.ajax("GET", `?step=${n}`, { target: "#step-panel", swap: "outerHTML" });
}

function markList(n) {
  const previous = document.querySelectorAll(".trace-step.is-current");
  previous.forEach((item) => {
    item.classList.remove("is-current");
    item.removeAttribute("aria-current");
  });
  const item = document.getElementById(`step-${n}`);
  if (item) {
    item.classList.add("is-current");
    item.setAttribute("aria-current", "step");
  }
}

function announce(current) {
  const live = document.getElementById("trace-live");
  const text = current.querySelector(".trace-now__text");
  if (live) {
    live.textContent = `${current.dataset.summary} ${text ? text.textContent.replace(/\s+/g, " ").trim() : ""}`;
  }
}

function travel(current) {
  const packet = current.querySelector(".trace-packet");
  const hop = current.querySelector(".trace-hop");
  const toY = Number(current.dataset.packetY);
  const fromY = lastPacketY === null ? toY : lastPacketY;
  lastPacketY = toY;
  if (reduceMotion.matches || !packet || !packet.animate || fromY === toY) {
    return;
  }
  const x = packet.transform.baseVal.consolidate().matrix.e;
  packet.animate(
    [{ transform: `translate(${x}px, ${fromY}px)` }, { transform: `translate(${x}px, ${toY}px)` }],
    { duration: 520, easing: "cubic-bezier(.4, 0, .2, 1)" },
  );
  if (hop?.getTotalLength) {
    const length = hop.getTotalLength();
    hop.animate(
      [
        { strokeDasharray: `${length}px`, strokeDashoffset: `${length}px` },
        { strokeDasharray: `${length}px`, strokeDashoffset: "0px" },
      ],
      { duration: 520, easing: "cubic-bezier(.4, 0, .2, 1)" },
    );
  }
}

function settle() {
  const current = panel();
  if (!current) {
    return;
  }
  markList(current.dataset.step);
  travel(current);
  const play = document.getElementById("trace-play");
  if (play) {
    play.hidden = false;
    if (timer !== null) {
      play.setAttribute("aria-pressed", "true");
      play.textContent = play.dataset.pause;
    }
  }
}

function isTyping(target) {
  return (
    target instanceof HTMLElement &&
    (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))
  );
}

document.addEventListener("keydown", (event) => {
  if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey || isTyping(event.target)) {
    return;
  }
  const targets = {
    ArrowLeft: "trace-prev",
    ArrowRight: "trace-next",
    Home: "trace-first",
    End: "trace-last",
  };
  const id = targets[event.key];
  if (!id || !panel()) {
    return;
  }
  event.preventDefault();
  stop();
  follow(document.getElementById(id));
});

document.addEventListener("click", (event) => {
  const target = event.target instanceof Element ? event.target : null;
  if (!target) {
    return;
  }
  if (target.closest("#trace-play")) {
    if (timer === null) {
      start();
    } else {
      stop();
    }
    return;
  }
  const disabled = target.closest("[aria-disabled='true']");
  if (disabled) {
    event.preventDefault();
    return;
  }
  const copy = target.closest("[data-copy]");
  if (copy) {
    const input = document.querySelector(copy.getAttribute("data-copy"));
    const status = document.querySelector(".trace-copied");
    const done = () => {
      if (status) {
        status.textContent = status.dataset.copiedText;
      }
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, () => {
        input.select();
      });
    } else {
      input.select();
      done();
    }
  }
});

document.body.addEventListener("htmx:afterSettle", (event) => {
  if (event.target && event.target.id === "step-panel") {
    settle();
    announce(event.target);
  }
});

function fromHash() {
  const match = /^#step-(\d+)$/.exec(window.location.hash);
  if (match) {
    showStep(match[1]);
  }
}

window.addEventListener("hashchange", fromHash);

// Print opens everything: every audit event and request context, then restores.
let openedForPrint = [];
window.addEventListener("beforeprint", () => {
  document.querySelectorAll(".trace-page details:not([open])").forEach((d) => {
    d.open = true;
    openedForPrint.push(d);
  });
});
window.addEventListener("afterprint", () => {
  openedForPrint.forEach((d) => {
    d.open = false;
  });
  openedForPrint = [];
});

document.querySelectorAll("[data-copy]").forEach((button) => {
  button.hidden = false;
});
const initial = panel();
if (initial) {
  lastPacketY = Number(initial.dataset.packetY);
  settle();
  if (!/[?&]step=/.test(window.location.search)) {
    fromHash();
  }
}
