/*
 * The lab's upload form, enhanced: drag and drop, a progress bar (XHR upload
 * progress), the panels of the chosen mode, and a fresh SSE-C key on request.
 *
 * Progressive enhancement: without this script the form is a plain multipart POST
 * and every mode but CSE works. Client-side encryption (mode CSE) is left to cse.js,
 * which encrypts in the browser and posts the ciphertext itself.
 */
import { clearRequestError, showRequestError } from "./htmx-errors.js";

function selectedMode(form) {
  const checked = form.querySelector('input[name="mode"]:checked');
  return checked ? checked.value : "default";
}

function selectedValue(form, name) {
  const checked = form.querySelector(`input[name="${name}"]:checked`);
  return checked ? checked.value : "";
}

function updatePanels(form) {
  const mode = selectedMode(form);
  const wrap = selectedValue(form, "cse_wrap");
  form.querySelectorAll("[data-show-for]").forEach((panel) => {
    const modes = panel.getAttribute("data-show-for").split(/\s+/);
    let show = modes.indexOf(mode) !== -1;
    // With CSE, the KMS options matter only when KMS wraps the data key.
    if (show && mode === "CSE" && panel.tagName === "FIELDSET" && modes.indexOf("SSE-KMS") !== -1) {
      show = wrap === "kms";
    }
    panel.hidden = !show;
  });
}

function randomKey() {
  const bytes = new Uint8Array(32);
  window.crypto.getRandomValues(bytes);
  let text = "";
  bytes.forEach((b) => {
    text += String.fromCharCode(b);
  });
  return window.btoa(text);
}

function describeFile(form, file) {
  const name = form.querySelector("[data-file-name]");
  // Encrypted in the browser, the body is the file plus the 16-byte AES-GCM tag: the
  // form carries that smaller limit and its own message for the CSE mode.
  const cse = selectedMode(form) === "CSE" && form.hasAttribute("data-cse-limit");
  const limit = parseInt(form.getAttribute(cse ? "data-cse-limit" : "data-limit") || "0", 10);
  const tooLarge = limit > 0 && !!file && file.size > limit;
  if (!name) {
    return;
  }
  if (!file) {
    name.textContent = "";
    return;
  }
  name.textContent = `${file.name} · ${file.size.toLocaleString()} B`;
  name.classList.toggle("lab-drop__name--warn", tooLarge);
  if (tooLarge) {
    name.textContent += ` — ${form.getAttribute(cse ? "data-cse-too-large" : "data-too-large")}`;
  }
  const key = form.querySelector('input[name="key"]');
  if (key) {
    key.placeholder = file.name;
  }
}

function setProgress(form, percent) {
  const box = form.querySelector("[data-progress]");
  if (!box) {
    return;
  }
  box.hidden = false;
  box.querySelector("progress").value = percent;
  box.querySelector("[data-progress-text]").textContent = `${percent} %`;
}

function keepFile(holder, files) {
  const freshForm = holder?.querySelector("form[data-upload-form]");
  const input = freshForm?.querySelector('input[type="file"]');
  if (!input || !files?.length) {
    return;
  }
  input.files = files;
  input.required = false;
  describeFile(freshForm, files[0]);
}

function send(form, submitter) {
  const xhr = new XMLHttpRequest();
  const button = form.querySelector('button[type="submit"]');
  const token = form.querySelector('input[name="csrfmiddlewaretoken"]');
  xhr.open("POST", form.action);
  xhr.setRequestHeader("HX-Request", "true");
  if (token) {
    xhr.setRequestHeader("X-CSRFToken", token.value);
  }
  xhr.upload.addEventListener("progress", (event) => {
    if (event.lengthComputable) {
      setProgress(form, Math.round((100 * event.loaded) / event.total));
    }
  });
  xhr.addEventListener("load", () => {
    if (xhr.status >= 400) {
      // Not the form with S3's answer (that comes with 200): the server failed.
      if (button) {
        button.disabled = false;
      }
      form.querySelector("[data-progress]")?.setAttribute("hidden", "");
      showRequestError(form, xhr.status);
      return;
    }
    clearRequestError(form);
    const target = xhr.getResponseHeader("HX-Redirect");
    if (target) {
      window.location.assign(target);
      return;
    }
    const holder = document.getElementById("upload-form");
    if (holder && xhr.responseText) {
      // The answer is the form again, with S3's error beside the field it is about: the
      // learner's file stays chosen, so that a corrected setting can be sent at once.
      const chosen = form.querySelector('input[type="file"]')?.files;
      holder.outerHTML = xhr.responseText;
      const fresh = document.getElementById("upload-form");
      if (fresh && window.htmx) {
        window.htmx.process(fresh);
      }
      init();
      keepFile(fresh, chosen);
    }
  });
  xhr.addEventListener("error", () => {
    if (button) {
      button.disabled = false;
    }
    form.submit(); // fall back to the plain form post
  });
  if (button) {
    button.disabled = true;
  }
  setProgress(form, 0);
  // The button pressed is part of the form: "Upload a sample file" sends sample=1.
  xhr.send(new FormData(form, submitter || undefined));
}

function setUp(form) {
  if (form.dataset.enhanced) {
    return;
  }
  form.dataset.enhanced = "1";
  const input = form.querySelector('input[type="file"]');
  const zone = form.querySelector("[data-dropzone]");
  form.querySelectorAll("[data-cse-nojs]").forEach((note) => {
    note.hidden = true;
  });

  form.addEventListener("change", (event) => {
    if (event.target.name === "mode" || event.target.name === "cse_wrap") {
      updatePanels(form);
    }
    if (event.target === input || event.target.name === "mode") {
      describeFile(form, input?.files[0]);
    }
  });
  updatePanels(form);

  if (zone && input) {
    zone.classList.add("lab-drop--active");
    ["dragenter", "dragover"].forEach((type) => {
      zone.addEventListener(type, (event) => {
        event.preventDefault();
        zone.classList.add("lab-drop--over");
      });
    });
    ["dragleave", "drop"].forEach((type) => {
      zone.addEventListener(type, () => {
        zone.classList.remove("lab-drop--over");
      });
    });
    zone.addEventListener("drop", (event) => {
      event.preventDefault();
      if (event.dataTransfer?.files.length) {
        input.files = event.dataTransfer.files;
        describeFile(form, input.files[0]);
      }
    });
  }

  const generate = form.querySelector("[data-generate-key]");
  const keyInput = form.querySelector('input[name="customer_key"]');
  if (generate && keyInput && window.crypto?.getRandomValues) {
    generate.hidden = false;
    generate.addEventListener("click", () => {
      keyInput.value = randomKey();
      keyInput.focus();
      keyInput.select();
    });
  }

  form.addEventListener("submit", (event) => {
    // CSE: cse.js encrypts the file in the browser and posts the ciphertext.
    if (selectedMode(form) === "CSE") {
      return;
    }
    if (!window.FormData || !window.XMLHttpRequest) {
      return;
    }
    event.preventDefault();
    send(form, event.submitter);
  });
}

function init() {
  document.querySelectorAll("form[data-upload-form]").forEach(setUp);
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", init);
} else {
  init();
}
