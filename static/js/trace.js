/*
 * The trace page's small amount of behaviour: keys and Play step through the trace,
 * the packet travels between lanes, the step list follows the diagram, and the
 * permalink copies. Everything works without this file: steps are plain links
 * (?step=N) that htmx turns into a partial swap of #step-panel.
 *
 * Reduced motion: no travelling animation, state changes are instant.
 */
(function () {
  "use strict";

  var PLAY_INTERVAL = 1800;
  var reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
  var timer = null;
  var lastPacketY = null;

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
    var play = document.getElementById("trace-play");
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
    var play = document.getElementById("trace-play");
    var current = panel();
    if (!play || !current) {
      return;
    }
    if (current.dataset.step === current.dataset.total) {
      follow(document.getElementById("trace-first"));
    }
    play.setAttribute("aria-pressed", "true");
    play.textContent = play.dataset.pause;
    timer = window.setInterval(function () {
      if (!follow(document.getElementById("trace-next"))) {
        stop();
      }
    }, PLAY_INTERVAL);
  }

  function showStep(n) {
    var current = panel();
    if (!current || String(n) === current.dataset.step || !window.htmx) {
      return;
    }
    window.htmx.ajax("GET", "?step=" + n, { target: "#step-panel", swap: "outerHTML" });
  }

  function markList(n) {
    var previous = document.querySelectorAll(".trace-step.is-current");
    previous.forEach(function (item) {
      item.classList.remove("is-current");
      item.removeAttribute("aria-current");
    });
    var item = document.getElementById("step-" + n);
    if (item) {
      item.classList.add("is-current");
      item.setAttribute("aria-current", "step");
    }
  }

  function announce(current) {
    var live = document.getElementById("trace-live");
    var text = current.querySelector(".trace-now__text");
    if (live) {
      live.textContent =
        current.dataset.summary + " " + (text ? text.textContent.replace(/\s+/g, " ").trim() : "");
    }
  }

  function travel(current) {
    var packet = current.querySelector(".trace-packet");
    var hop = current.querySelector(".trace-hop");
    var toY = Number(current.dataset.packetY);
    var fromY = lastPacketY === null ? toY : lastPacketY;
    lastPacketY = toY;
    if (reduceMotion.matches || !packet || !packet.animate || fromY === toY) {
      return;
    }
    var x = packet.transform.baseVal.consolidate().matrix.e;
    packet.animate(
      [
        { transform: "translate(" + x + "px, " + fromY + "px)" },
        { transform: "translate(" + x + "px, " + toY + "px)" }
      ],
      { duration: 520, easing: "cubic-bezier(.4, 0, .2, 1)" }
    );
    if (hop && hop.getTotalLength) {
      var length = hop.getTotalLength();
      hop.animate(
        [
          { strokeDasharray: length + "px", strokeDashoffset: length + "px" },
          { strokeDasharray: length + "px", strokeDashoffset: "0px" }
        ],
        { duration: 520, easing: "cubic-bezier(.4, 0, .2, 1)" }
      );
    }
  }

  function settle() {
    var current = panel();
    if (!current) {
      return;
    }
    markList(current.dataset.step);
    travel(current);
    var play = document.getElementById("trace-play");
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

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey || isTyping(event.target)) {
      return;
    }
    var targets = {
      ArrowLeft: "trace-prev",
      ArrowRight: "trace-next",
      Home: "trace-first",
      End: "trace-last"
    };
    var id = targets[event.key];
    if (!id || !panel()) {
      return;
    }
    event.preventDefault();
    stop();
    follow(document.getElementById(id));
  });

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
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
    var disabled = target.closest("[aria-disabled='true']");
    if (disabled) {
      event.preventDefault();
      return;
    }
    var copy = target.closest("[data-copy]");
    if (copy) {
      var input = document.querySelector(copy.getAttribute("data-copy"));
      var status = document.querySelector(".trace-copied");
      var done = function () {
        if (status) {
          status.textContent = status.dataset.copiedText;
        }
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done, function () {
          input.select();
        });
      } else {
        input.select();
        done();
      }
    }
  });

  document.body.addEventListener("htmx:afterSettle", function (event) {
    if (event.target && event.target.id === "step-panel") {
      settle();
      announce(event.target);
    }
  });

  function fromHash() {
    var match = /^#step-(\d+)$/.exec(window.location.hash);
    if (match) {
      showStep(match[1]);
    }
  }

  window.addEventListener("hashchange", fromHash);

  // Print opens everything: every audit event and request context, then restores.
  var openedForPrint = [];
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll(".trace-page details:not([open])").forEach(function (d) {
      d.open = true;
      openedForPrint.push(d);
    });
  });
  window.addEventListener("afterprint", function () {
    openedForPrint.forEach(function (d) {
      d.open = false;
    });
    openedForPrint = [];
  });

  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.hidden = false;
  });
  var initial = panel();
  if (initial) {
    lastPacketY = Number(initial.dataset.packetY);
    settle();
    if (!/[?&]step=/.test(window.location.search)) {
      fromHash();
    }
  }
})();
