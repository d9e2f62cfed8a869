/*
 * Client-side encryption on the lab's pages: the upload form and the object page.
 * Loaded with <script type="module">, after Django's JavaScript catalogue (the
 * messages); it attaches itself, no code is needed on the page. The format is
 * format.js; the words are messages.js.
 *
 * Upload (templates/web/lab/upload.html). A form that contains <div id="cse-panel">.
 * The panel's "needs JavaScript" note ([data-cse-nojs]) is hidden and, unless the form
 * has a field for it, a key field with a Generate button is added (shown for the
 * browser wrap only). When the form's "mode" is "CSE" the submit is taken over before
 * anything is sent: the file is read and encrypted here, then the form's own fields
 * are POSTed (XMLHttpRequest, with progress) to the form's action, with
 *   mode=CSE, file=<the ciphertext, same file name>, cse_meta=<JSON of the
 *   x-amz-meta-x-amz-* envelope headers>, header X-Lab-CSE: 1,
 * and without the key field (a key kept in the browser never leaves it). The
 * response is followed: a redirect (to the trace), an HX-Redirect header or a JSON
 * {"redirect": url}; an HTML answer (a form or S3 error) replaces the form's container.
 * Field names, each overridable with a data attribute on the panel:
 *   data-field-mode "mode", data-field-file "file", data-field-key "key",
 *   data-field-wrap "cse_wrap" ("browser" | "kms"), data-field-version "cse_version"
 *   ("2" | "3", default 3), data-field-kms-key "kms_key", data-field-paste "cse_key"
 *   (base64 of 32 bytes; empty: generate), data-field-principal "sender" ("alice" |
 *   "bob" | "anonymous"), data-field-bucket "bucket".
 * data-cse-endpoint (the web:cse URL), data-sandbox and data-bucket default to what
 * the page's path says (/lab/<sandbox>/… and …/buckets/<bucket>/…).
 * A key kept in the browser is shown to the learner and remembered in localStorage
 * under sandbox + bucket + object key, so the object page can decrypt with it.
 *
 * Download (templates/web/lab/object.html). An element <div id="cse-download"> (or
 * any [data-cse-download]) with
 *   data-meta          JSON of the object's metadata (the envelope headers, any case,
 *                      with or without x-amz-meta-), or
 *   data-envelope-url  a URL answering JSON {"meta": {...}, "body_url": "..."};
 *   data-body-url      the URL that returns the stored ciphertext;
 *   data-key           the object key (finds a remembered browser key, names the file);
 *   optional: data-sandbox, data-bucket, data-cse-endpoint (default from the path),
 *   data-filename, data-principal, data-kms-key
 * gets a key field (AES/GCM wrap, prefilled when this browser remembers the key) and
 * a "Decrypt in the browser" button that fetches the ciphertext, decrypts it here and
 * offers the plaintext as a Blob download. attachDownload(element), exported, does the
 * same by hand and resolves to a function that runs the decryption.
 */
import { b64decodeStrict, b64encode } from "./bytes.js";
import {
  CEK_ALG_CONTEXT_KEY,
  CSEError,
  decrypt,
  encrypt,
  generateKey,
  KMSError,
  parseEnvelope,
  requestDataKey,
  WRAP_AES_GCM,
  WRAP_KMS_CONTEXT,
} from "./format.js";
import { csrfToken } from "./kms.js";
import { t } from "./messages.js";

// WebCrypto's AES-GCM is one-shot: the whole file and its ciphertext are in memory
// at once (about twice the file). The lab's upload limit is 100 MiB, which Chromium
// handles; this bound only refuses sizes a browser tab would not survive.
const MAX_BROWSER_BYTES = 1024 * 1024 * 1024;

// ------------------------------------------------------------------ remembered keys

function storageName(sandbox, bucket, key) {
  return `s3lab-cse:${JSON.stringify([
    String(sandbox || ""),
    String(bucket || ""),
    String(key || ""),
  ])}`;
}

export function rememberKey(sandbox, bucket, key, keyB64) {
  try {
    window.localStorage.setItem(storageName(sandbox, bucket, key), keyB64);
  } catch (_error) {
    try {
      window.sessionStorage.setItem(storageName(sandbox, bucket, key), keyB64);
    } catch (_ignored) {
      // storage disabled: the learner still has the key on screen
    }
  }
}

export function recallKey(sandbox, bucket, key) {
  const name = storageName(sandbox, bucket, key);
  try {
    return window.localStorage.getItem(name) || window.sessionStorage.getItem(name) || "";
  } catch (_error) {
    return "";
  }
}

// ------------------------------------------------------------------ small DOM helpers

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") node.textContent = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

function statusArea(container) {
  let area = container.querySelector(":scope > .cse-status");
  if (!area) {
    area = el("div", { class: "cse-status note", role: "status", "aria-live": "polite" });
    container.append(area);
  }
  return area;
}

function showKey(container, keyB64) {
  let box = container.querySelector(":scope > .cse-key");
  if (box) box.remove();
  const code = el("code", { class: "cse-key__value", text: keyB64 });
  const copy = el("button", { type: "button", class: "button cse-key__copy", text: t("copy") });
  copy.addEventListener("click", () => {
    if (navigator.clipboard) {
      navigator.clipboard.writeText(keyB64).then(
        () => {
          copy.textContent = t("copied");
        },
        () => {},
      );
    }
  });
  box = el(
    "div",
    { class: "cse-key card", "data-cse-key": keyB64 },
    el("p", { class: "cse-key__title" }, el("strong", { text: t("keyTitle") })),
    el("p", {}, code, " ", copy),
    el("p", { class: "cse-key__note", text: t("keyNote") }),
  );
  container.append(box);
}

function formatSize(bytes) {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(0)} MiB` : `${bytes} bytes`;
}

// ------------------------------------------------------------------ where the lab's URLs are

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/** The sandbox id: the element's data-sandbox, else the UUID in the page's path. */
function sandboxOf(element) {
  if (element?.dataset.sandbox) return element.dataset.sandbox;
  const match = window.location.pathname.match(UUID);
  return match ? match[0] : "";
}

/** The web:cse URL: the element's data-cse-endpoint, else /lab/<sandbox>/cse/. */
function endpointOf(element) {
  if (element?.dataset.cseEndpoint) return element.dataset.cseEndpoint;
  const sandbox = sandboxOf(element);
  return sandbox ? `/lab/${sandbox}/cse/` : "";
}

/** The bucket: data-bucket, else the name after /buckets/ in the page's path. */
function bucketOf(element) {
  if (element?.dataset.bucket) return element.dataset.bucket;
  const match = window.location.pathname.match(/\/buckets\/([^/]+)\//);
  return match ? decodeURIComponent(match[1]) : "";
}

// ------------------------------------------------------------------ upload integration

function fieldNames(panel) {
  const d = panel.dataset;
  return {
    mode: d.fieldMode || "mode",
    file: d.fieldFile || "file",
    bucket: d.fieldBucket || "bucket",
    key: d.fieldKey || "key",
    wrap: d.fieldWrap || "cse_wrap",
    version: d.fieldVersion || "cse_version",
    kmsKey: d.fieldKmsKey || "kms_key",
    paste: d.fieldPaste || "cse_key",
    principal: d.fieldPrincipal || "sender",
    meta: "cse_meta",
  };
}

function field(fields, ...names) {
  for (const name of names) {
    const value = fields.get(name);
    if (value !== null && value !== "") return value;
  }
  return null;
}

/**
 * Prepare the panel: hide its "needs JavaScript" note and, when the form has no
 * field for a browser-kept key, add one (with a Generate button) so the learner can
 * paste or see the key before anything is sent. It is shown for the browser wrap only.
 */
function preparePanel(form, panel) {
  if (panel.dataset.cseReady === "1") return;
  panel.dataset.cseReady = "1";
  for (const note of panel.querySelectorAll("[data-cse-nojs]")) note.hidden = true;
  const names = fieldNames(panel);
  if (!form.elements.namedItem(names.paste)) {
    const id = "cse-key-input";
    const input = el("input", {
      id,
      name: names.paste,
      type: "text",
      autocomplete: "off",
      spellcheck: "false",
      class: "cse-key-input",
      "aria-describedby": `${id}-help`,
    });
    const generate = el("button", {
      type: "button",
      class: "button button--small button--quiet cse-generate",
      text: t("generate"),
    });
    generate.addEventListener("click", () => {
      input.value = b64encode(generateKey());
      input.dispatchEvent(new Event("input", { bubbles: true }));
    });
    const row = el(
      "div",
      { class: "cse-key-row", "data-cse-key-row": "" },
      el("label", { for: id, text: t("pasteLabel") }),
      " ",
      input,
      " ",
      generate,
      el("p", { id: `${id}-help`, class: "lab-small lab-muted", text: t("pasteHelp") }),
    );
    panel.append(row);
  }
  const sync = () => {
    const data = new FormData(form);
    const wrap = String(data.get(names.wrap) || "browser");
    for (const row of panel.querySelectorAll("[data-cse-key-row]")) row.hidden = wrap === "kms";
    const cse = String(data.get(names.mode) || "").toUpperCase() === "CSE";
    chooseCustomerKey(form, panel, names, cse && wrap === "kms");
  };
  form.addEventListener("change", sync);
  sync();
}

/** An AWS managed key (alias/aws/s3): only its AWS service may use it, never a client. */
function isAwsManaged(keyId) {
  return /^(alias\/)?aws\//.test(keyId);
}

/**
 * Client-side encryption with KMS needs a customer managed key: an AWS managed key such
 * as aws/s3 can be used only by the AWS service it belongs to, so the lab's KMS, like
 * AWS's, refuses the browser's GenerateDataKey with it. When the form's KMS key is one,
 * pick the first customer managed key instead, or offer to create one.
 */
function chooseCustomerKey(form, panel, names, active) {
  const select = form.elements.namedItem(names.kmsKey);
  let note = panel.querySelector("[data-cse-kms-note]");
  if (!active || !(select instanceof HTMLSelectElement)) {
    if (note) note.hidden = true;
    return;
  }
  if (!note) {
    note = el("p", { class: "lab-small cse-kms-note", "data-cse-kms-note": "" });
    panel.append(note);
  }
  if (!isAwsManaged(select.value)) {
    note.hidden = !note.dataset.switched;
    return;
  }
  const own = Array.from(select.options).find((o) => o.value && !isAwsManaged(o.value));
  if (own) {
    select.value = own.value;
    note.dataset.switched = "1";
    note.replaceChildren(el("span", { text: t("customerKeyChosen", { key: own.text }) }));
  } else {
    const sandbox = sandboxOf(panel);
    const link = el("a", {
      href: `/lab/${sandbox}/kms/#create-title`,
      text: t("createCustomerKey"),
    });
    note.replaceChildren(el("span", { text: t("needCustomerKey") }), " ", link);
  }
  note.hidden = false;
}

function send(url, formData, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("X-Lab-CSE", "1");
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(Math.round((100 * event.loaded) / event.total));
    });
    xhr.addEventListener("load", () => resolve(xhr));
    xhr.addEventListener("error", () => reject(new Error("network error")));
    xhr.send(formData);
  });
}

function followResponse(xhr, postedTo) {
  const hxRedirect = xhr.getResponseHeader("HX-Redirect");
  if (hxRedirect) return hxRedirect;
  const type = xhr.getResponseHeader("Content-Type") || "";
  if (type.includes("application/json")) {
    try {
      const data = JSON.parse(xhr.responseText);
      if (data && (data.redirect || data.trace_url)) return data.redirect || data.trace_url;
    } catch (_error) {
      // not JSON after all
    }
  }
  const landed = xhr.responseURL;
  if (landed && new URL(landed).href !== new URL(postedTo, window.location.href).href) {
    return landed;
  }
  return null;
}

/** The form's own progress bar ([data-progress] with a <progress>), else one of ours. */
function progressFor(form, status) {
  const box = form.querySelector("[data-progress]");
  const bar = box?.querySelector("progress");
  if (box && bar) {
    box.hidden = false;
    const text = box.querySelector("[data-progress-text]");
    return (percent) => {
      bar.value = percent;
      if (text) text.textContent = t("uploading", { percent });
    };
  }
  const own = el("progress", { max: "100", value: "0", class: "cse-progress" });
  const label = el("span", { text: t("uploading", { percent: 0 }) });
  status.replaceChildren(label, " ", own);
  return (percent) => {
    own.value = percent;
    label.textContent = t("uploading", { percent });
  };
}

async function uploadEncrypted(form, panel, submitter) {
  const names = fieldNames(panel);
  const fields = new FormData(form, submitter || undefined);
  const status = statusArea(panel);
  const say = (text) => {
    status.replaceChildren(el("span", { text }));
  };
  const file = fields.get(names.file);
  if (!(file instanceof File) || !file.name) {
    say(t("noFile"));
    return;
  }
  if (file.size > MAX_BROWSER_BYTES) {
    say(t("tooLarge", { limit: formatSize(MAX_BROWSER_BYTES) }));
    return;
  }
  const endpoint = endpointOf(panel);
  const sandbox = sandboxOf(panel);
  const bucket = String(field(fields, names.bucket) || bucketOf(panel));
  const objectKey = String(field(fields, names.key) || file.name);
  const version = Number(field(fields, names.version) || 3) === 2 ? 2 : 3;
  const useKms = String(field(fields, names.wrap) || "browser") === "kms";
  const principal = String(field(fields, names.principal, "principal") || "") || undefined;

  let wrap;
  if (useKms) {
    const keyId = String(field(fields, names.kmsKey, "cse_kms_key") || "");
    if (!keyId) {
      say(t("noKmsKey"));
      return;
    }
    if (isAwsManaged(keyId)) {
      say(t("needCustomerKey"));
      return;
    }
    say(t("dataKey"));
    const dataKey = await requestDataKey({ endpoint, keyId, version, principal });
    wrap = { kind: "kms", keyId, dataKey };
  } else {
    const pasted = String(field(fields, names.paste) || "").trim();
    let key;
    if (pasted) {
      key = b64decodeStrict(pasted);
      if (key?.length !== 32) {
        say(t("badKey"));
        return;
      }
    } else {
      key = generateKey();
    }
    const keyB64 = b64encode(key);
    rememberKey(sandbox, bucket, objectKey, keyB64);
    showKey(panel, keyB64);
    wrap = { kind: "aes", key };
  }

  say(t("reading"));
  const plaintext = new Uint8Array(await file.arrayBuffer());
  say(t("encrypting"));
  const { body, meta } = await encrypt(plaintext, { version, wrap });

  // The same fields as the form, but the file is the ciphertext and a key kept in
  // the browser is never sent: the server must not receive it.
  const outgoing = new FormData();
  const replaced = new Set([names.file, names.paste, names.mode, names.meta]);
  for (const [name, value] of fields.entries()) {
    if (!replaced.has(name)) outgoing.append(name, value);
  }
  outgoing.append(names.mode, "CSE");
  outgoing.append(names.file, new Blob([body], { type: "application/octet-stream" }), file.name);
  outgoing.append(names.meta, JSON.stringify(meta));

  say(t("uploading", { percent: 0 }));
  const onProgress = progressFor(form, status);
  const url = form.getAttribute("action") || form.getAttribute("hx-post") || window.location.href;
  const xhr = await send(url, outgoing, onProgress);
  const next = followResponse(xhr, url);
  if (xhr.status >= 200 && xhr.status < 400 && next) {
    say(t("uploaded"));
    window.location.assign(next);
    return;
  }
  const type = xhr.getResponseHeader("Content-Type") || "";
  if (type.includes("text/html") && xhr.responseText) {
    // The server answered with the page itself (a form error, or S3's error and its
    // trace): show it as the browser would have after a plain submit.
    const doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
    const fresh = doc.getElementById(form.parentElement?.id);
    if (fresh && form.parentElement) {
      form.parentElement.replaceWith(document.importNode(fresh, true));
      const again = document.getElementById(fresh.id);
      const againPanel = again?.querySelector("#cse-panel");
      if (againPanel) preparePanel(againPanel.closest("form"), againPanel);
      if (window.htmx && again) window.htmx.process(again);
      return;
    }
  }
  say(t("failed", { reason: `${xhr.status} ${xhr.statusText}` }));
}

function onSubmit(event) {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  const panel = form.querySelector("#cse-panel");
  if (!panel) return;
  const names = fieldNames(panel);
  const mode = String(new FormData(form).get(names.mode) || "");
  if (mode.toUpperCase() !== "CSE") return;
  // Stop the plain submit (and htmx, and any other handler) before the plaintext
  // could leave the browser.
  event.preventDefault();
  event.stopImmediatePropagation();
  uploadEncrypted(form, panel, event.submitter).catch((error) => {
    const text =
      error instanceof KMSError
        ? t("kmsRefused", { code: error.code, message: error.kmsMessage })
        : t("failed", { reason: error.message });
    statusArea(panel).replaceChildren(el("span", { text }));
  });
}

// ------------------------------------------------------------------ download integration

/** The object's envelope: data-meta, else the JSON at data-envelope-url ({meta, body_url}). */
async function envelopeOf(element) {
  const d = element.dataset;
  if (d.meta) return { meta: JSON.parse(d.meta), bodyUrl: d.bodyUrl };
  if (!d.envelopeUrl) throw new CSEError();
  const response = await fetch(d.envelopeUrl, {
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  });
  if (!response.ok) throw new CSEError();
  const data = await response.json();
  return { meta: data.meta || {}, bodyUrl: d.bodyUrl || data.body_url };
}

/**
 * Give `element` a "Decrypt in the browser" control (see the header comment for its
 * data attributes). Returns a promise of a function that runs the decryption (tests
 * and other scripts may call it); the plaintext is offered as a Blob download.
 */
export function attachDownload(element) {
  if (!element) return Promise.resolve(null);
  if (element._cseReady) return element._cseReady;
  element._cseReady = setUpDownload(element);
  return element._cseReady;
}

async function setUpDownload(element) {
  const d = element.dataset;
  const status = el("p", { class: "cse-download__status", role: "status", "aria-live": "polite" });
  element.append(status);
  status.textContent = t("loading");
  let envelope;
  let env;
  try {
    envelope = await envelopeOf(element);
    env = parseEnvelope(envelope.meta);
  } catch (_error) {
    status.textContent = t("noEnvelope");
    return null;
  }
  status.textContent = "";
  const sandbox = sandboxOf(element);
  const bucket = bucketOf(element);
  const button = el("button", {
    type: "button",
    class: "button cse-download__button",
    text: t("decryptButton"),
  });
  let keyInput = null;
  const controls = el("div", { class: "cse-download__controls" });
  if (env.wrapAlg === WRAP_AES_GCM) {
    const id = "cse-download-key";
    keyInput = el("input", {
      id,
      type: "text",
      class: "cse-download__key",
      autocomplete: "off",
      spellcheck: "false",
    });
    keyInput.value = recallKey(sandbox, bucket, d.key);
    controls.append(el("label", { for: id, text: t("keyLabel") }), " ", keyInput, " ");
  } else {
    controls.append(el("p", { class: "cse-download__kms lab-small", text: t("kmsNote") }));
  }
  controls.append(button);
  element.insertBefore(controls, status);

  let objectUrl = null;
  const run = async () => {
    status.textContent = t("fetching");
    const response = await fetch(envelope.bodyUrl, { credentials: "same-origin" });
    if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
    const body = new Uint8Array(await response.arrayBuffer());
    status.textContent = t("decrypting");
    let wrap;
    if (env.wrapAlg === WRAP_KMS_CONTEXT) {
      // The learner's expected context is what the object carries (minus the
      // client's own key); KMS still checks it against the wrapped key.
      const context = Object.fromEntries(env.context.filter(([k]) => k !== CEK_ALG_CONTEXT_KEY));
      wrap = {
        kind: "kms",
        endpoint: endpointOf(element),
        keyId: d.kmsKey || undefined,
        context,
        principal: d.principal || undefined,
      };
    } else {
      const key = b64decodeStrict((keyInput?.value || "").trim());
      if (key?.length !== 32) throw new CSEError();
      wrap = { kind: "aes", key };
    }
    const plaintext = await decrypt(body, envelope.meta, wrap);
    if (objectUrl) URL.revokeObjectURL(objectUrl);
    objectUrl = URL.createObjectURL(new Blob([plaintext], { type: "application/octet-stream" }));
    const name =
      d.filename ||
      String(d.key || "object")
        .split("/")
        .pop() ||
      "object";
    const link = el("a", {
      href: objectUrl,
      download: name,
      class: "button cse-download__save",
      text: t("save"),
    });
    status.replaceChildren(
      el("span", { text: t("decrypted", { size: plaintext.length }) }),
      " ",
      link,
    );
    return plaintext;
  };
  const guarded = () =>
    run().catch((error) => {
      status.textContent =
        error instanceof KMSError
          ? t("kmsRefused", { code: error.code, message: error.kmsMessage })
          : error instanceof CSEError
            ? t("decryptFailed")
            : t("failed", { reason: error.message });
      throw error;
    });
  button.addEventListener("click", () => {
    guarded().catch(() => {});
  });
  return guarded;
}

const DOWNLOAD_SELECTOR = "#cse-download, [data-cse-download]";

function init(root) {
  const scope = root?.querySelectorAll ? root : document;
  const found = Array.from(scope.querySelectorAll(DOWNLOAD_SELECTOR));
  if (scope !== document && scope.matches && scope.matches(DOWNLOAD_SELECTOR)) found.push(scope);
  for (const node of found) attachDownload(node);
  for (const panel of scope.querySelectorAll("#cse-panel")) {
    const form = panel.closest("form");
    if (form) preparePanel(form, panel);
  }
}

// Capture phase on the document: runs before the form's own (htmx) handlers.
document.addEventListener("submit", onSubmit, true);
document.addEventListener("htmx:load", (event) => init(event.target));
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", () => init(document));
} else {
  init(document);
}
