/*
 * The quiz pages' behaviour. Everything works without this file: options are plain
 * radio buttons and checkboxes, an ordering question is a select box per step, the
 * exam's time is checked by the server, and every form is a plain POST.
 *
 * With it: keyboard shortcuts (1–6 or A–F choose, Enter submits, N goes on) while the
 * focus is in the question; Move up / Move down buttons for ordering questions; the
 * exam's countdown, which tells screen readers only at 10 and at 1 minute left (the
 * clock itself is not a live region, so it does not chatter); and, after an htmx swap,
 * the focus on the new question or the verdict, which is announced.
 */
const TEN_MINUTES = 600;
const ONE_MINUTE = 60;

function announce(text) {
  const region = document.querySelector("[data-quiz-announce]");
  if (!region || !text) {
    return;
  }
  region.textContent = "";
  window.setTimeout(() => {
    region.textContent = text;
  }, 50);
}

function clock(seconds) {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const mm = String(m).padStart(2, "0");
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

function startTimer() {
  const timer = document.querySelector("[data-quiz-timer]");
  if (!timer) {
    return;
  }
  const face = timer.querySelector("[data-quiz-clock]");
  const end = Date.now() + Number(timer.dataset.seconds) * 1000;
  const said = new Set();
  const tick = () => {
    const left = Math.max(0, Math.round((end - Date.now()) / 1000));
    face.textContent = clock(left);
    timer.classList.toggle("quiz-timer--low", left <= TEN_MINUTES);
    for (const [limit, words] of [
      [TEN_MINUTES, timer.dataset.sayTen],
      [ONE_MINUTE, timer.dataset.sayOne],
      [0, timer.dataset.sayUp],
    ]) {
      // Only when the moment is crossed while the page is open, not on arrival.
      if (left <= limit && !said.has(limit)) {
        said.add(limit);
        if (Number(timer.dataset.seconds) > limit) {
          announce(words);
        }
      }
    }
    if (left === 0) {
      window.clearInterval(handle);
    }
  };
  const handle = window.setInterval(tick, 1000);
  tick();
}

/* Ordering questions: the list's order and the select boxes agree. */
function renumber(list) {
  const items = [...list.querySelectorAll(".quiz-order__item")];
  items.forEach((item, n) => {
    item.querySelector("select").value = String(n + 1);
  });
}

function setUpOrder(root) {
  for (const list of root.querySelectorAll("[data-quiz-order]")) {
    if (list.dataset.ready) {
      continue;
    }
    list.dataset.ready = "1";
    for (const moves of list.querySelectorAll("[data-quiz-moves]")) {
      moves.hidden = false;
    }
    const selects = [...list.querySelectorAll("select")];
    if (selects.every((select) => select.value === "")) {
      renumber(list);
    }
    list.addEventListener("click", (event) => {
      const button = event.target.closest("[data-move]");
      if (!button) {
        return;
      }
      const item = button.closest(".quiz-order__item");
      const sibling =
        button.dataset.move === "up" ? item.previousElementSibling : item.nextElementSibling;
      if (!sibling) {
        return;
      }
      if (button.dataset.move === "up") {
        sibling.before(item);
      } else {
        sibling.after(item);
      }
      renumber(list);
      button.focus();
      announce(`${list.dataset.sayMoved || ""} ${item.querySelector("select").value}`.trim());
    });
    list.addEventListener("change", (event) => {
      const select = event.target.closest("select");
      if (!select) {
        return;
      }
      const items = [...list.querySelectorAll(".quiz-order__item")];
      const item = select.closest(".quiz-order__item");
      const place = Number(select.value);
      if (!place) {
        return;
      }
      item.remove();
      const rest = [...list.querySelectorAll(".quiz-order__item")];
      const after = rest[place - 1];
      if (after) {
        after.before(item);
      } else {
        list.append(item);
      }
      if (items.length) {
        renumber(list);
      }
      select.focus();
    });
  }
}

/* Keyboard shortcuts, only while the focus is in the question (or nowhere). */
function typing(target) {
  return (
    target.closest("textarea, select, [contenteditable], details") !== null ||
    (target.tagName === "INPUT" && !["radio", "checkbox"].includes(target.type))
  );
}

function onKey(event) {
  if (event.altKey || event.ctrlKey || event.metaKey || event.defaultPrevented) {
    return;
  }
  const question = document.querySelector("[data-quiz-question]");
  const target = event.target;
  if (!question || typing(target)) {
    return;
  }
  if (target !== document.body && !question.contains(target)) {
    return;
  }
  const key = event.key.toLowerCase();
  const form = question.querySelector("[data-quiz-form]");
  if (form && /^[1-6a-f]$/.test(key)) {
    const input = form.querySelector(`input[data-key="${key}"], input[data-letter="${key}"]`);
    if (input) {
      event.preventDefault();
      input.focus();
      input.click();
    }
    return;
  }
  if (form && key === "enter" && target.tagName !== "BUTTON" && target.tagName !== "A") {
    event.preventDefault();
    form.requestSubmit(form.querySelector("button[type=submit]"));
    return;
  }
  if (key === "n") {
    const next = question.querySelector("[data-quiz-next]");
    if (next) {
      event.preventDefault();
      next.click();
    }
  }
}

function afterSwap(event) {
  const question = document.querySelector("[data-quiz-question]");
  if (!question || !(event.target === question || event.target.contains(question))) {
    return;
  }
  setUpOrder(question);
  // The page's title names the question, as a full page load would.
  const heading = question.querySelector("h1");
  if (heading) {
    const rest = document.title.split(" · ").slice(1);
    document.title = [heading.textContent.trim(), ...rest].join(" · ");
  }
  const verdict = question.querySelector("[data-quiz-verdict]");
  if (verdict) {
    verdict.focus();
    announce(verdict.textContent.replace(/\s+/g, " ").trim());
  } else {
    heading?.focus();
  }
}

setUpOrder(document);
startTimer();
document.addEventListener("keydown", onKey);
document.body.addEventListener("htmx:afterSettle", afterSwap);
if (window.location.hash === "#verdict") {
  const verdict = document.querySelector("[data-quiz-verdict]");
  if (verdict) {
    verdict.focus();
    announce(verdict.textContent.replace(/\s+/g, " ").trim());
  }
}
