/*
 * The lab's bucket and object pages, enhanced.
 *
 * - A control that applies only to some choices (the KMS key and the Bucket Key apply to
 *   SSE-KMS, not to SSE-S3) is switched off while another is chosen: its wrapper says
 *   when it applies, as data-enabled-when="field:value field:value" (any pair enables).
 * - A download (GetObject) is fetched by the page, saved as a file, and leaves a link to
 *   its trace beside the button; an error S3 answered replaces the page's body, as the
 *   plain form post would.
 *
 * Without this script the controls stay on (the server ignores what does not apply)
 * and the download is a plain form post.
 */
import { clearRequestError, showRequestError } from "./htmx-errors.js";

function fieldValue(form, name) {
  const field = form.elements.namedItem(name);
  return field ? field.value : "";
}

function applies(form, wrapper) {
  const pairs = (wrapper.getAttribute("data-enabled-when") || "").split(/\s+/).filter(Boolean);
  return pairs.some((pair) => {
    const [name, value] = pair.split(":");
    return fieldValue(form, name) === value;
  });
}

function updateForm(form) {
  form.querySelectorAll("[data-enabled-when]").forEach((wrapper) => {
    const on = applies(form, wrapper);
    wrapper.classList.toggle("lab-off", !on);
    wrapper.querySelectorAll("input, select, textarea").forEach((control) => {
      control.disabled = !on;
    });
  });
}

function updateAll(root) {
  const forms = root.querySelectorAll ? root.querySelectorAll("form") : [];
  forms.forEach((form) => {
    if (form.querySelector("[data-enabled-when]")) {
      updateForm(form);
    }
  });
}

function fileName(disposition) {
  const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition || "");
  if (star) {
    return decodeURIComponent(star[1]);
  }
  const plain = /filename="?([^";]+)"?/i.exec(disposition || "");
  return plain ? plain[1] : "download";
}

function showDone(form, traceUrl, name) {
  const box = form.querySelector("[data-download-done]");
  if (!box) {
    return;
  }
  box.hidden = false;
  box.querySelector("[data-download-name]").textContent = name;
  const link = box.querySelector("a");
  link.href = traceUrl;
  link.hidden = !traceUrl;
}

async function download(form, button) {
  const token = form.querySelector('input[name="csrfmiddlewaretoken"]');
  const headers = { "HX-Request": "true" };
  if (token) {
    headers["X-CSRFToken"] = token.value;
  }
  button.disabled = true;
  let response;
  try {
    response = await fetch(button.formAction, {
      method: "POST",
      body: new FormData(form),
      headers,
      credentials: "same-origin",
    });
  } catch {
    button.disabled = false;
    showRequestError(form, 0);
    return;
  }
  button.disabled = false;
  if (response.status >= 400) {
    showRequestError(form, response.status);
    return;
  }
  clearRequestError(form);
  const disposition = response.headers.get("Content-Disposition") || "";
  if (!disposition.startsWith("attachment")) {
    // S3 said no: the page's body again, with its answer and the trace link.
    const holder = document.getElementById("object-body");
    if (holder) {
      holder.outerHTML = await response.text();
      const fresh = document.getElementById("object-body");
      if (fresh && window.htmx) {
        window.htmx.process(fresh);
      }
    }
    return;
  }
  const name = fileName(disposition);
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10000);
  showDone(form, response.headers.get("X-Lab-Trace") || "", name);
}

document.addEventListener("change", (event) => {
  const form = event.target.form;
  if (form?.querySelector("[data-enabled-when]")) {
    updateForm(form);
  }
});

document.addEventListener("submit", (event) => {
  const button = event.submitter;
  if (!button?.hasAttribute("data-download") || !window.fetch || !window.URL?.createObjectURL) {
    return;
  }
  event.preventDefault();
  download(event.target, button);
});

document.addEventListener("htmx:load", (event) => updateAll(event.target));
updateAll(document);
