/*
 * The client-side encryption workbench (templates/web/cse/workbench.html): encrypt a
 * file with format.js, show what S3 would store, decrypt it again (optionally after
 * flipping one bit). Nothing is uploaded; with a KMS key only the data key travels.
 */
import * as CSE from "./format.js";

function setUp(form) {
  const result = document.getElementById("cse-result");
  const status = document.getElementById("cse-status");
  const outcome = document.getElementById("cse-outcome");
  const byId = (id) => document.getElementById(id);
  let current = null;
  const urls = [];

  function hex(bytes) {
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
  }

  function blobUrl(data, type) {
    const url = URL.createObjectURL(new Blob([data], { type }));
    urls.push(url);
    return url;
  }

  async function encryptFile(event) {
    event.preventDefault();
    const fields = new FormData(form);
    const file = fields.get("file");
    if (!(file instanceof File) || !file.name) {
      status.textContent = form.querySelector("#cse-file").validationMessage || "";
      return;
    }
    status.textContent = result.dataset.msgWorking;
    while (urls.length) URL.revokeObjectURL(urls.pop());
    const version = fields.get("cse_version") === "2" ? 2 : 3;
    const principal = String(fields.get("principal") || "alice");
    let wrap;
    let keyB64 = "";
    if (fields.get("cse_wrap") === "kms") {
      const keyId = String(fields.get("cse_kms_key") || "");
      const dataKey = await CSE.requestDataKey({
        endpoint: form.dataset.cseEndpoint,
        keyId,
        version,
        principal,
      });
      wrap = { kind: "kms", keyId, dataKey };
    } else {
      const pasted = String(fields.get("cse_key") || "").trim();
      const key = pasted ? CSE.b64decode(pasted) : CSE.generateKey();
      if (key?.length !== 32) {
        throw new Error(form.querySelector("label[for=cse-key]").textContent);
      }
      keyB64 = CSE.b64encode(key);
      wrap = { kind: "aes", key };
    }
    const plaintext = new Uint8Array(await file.arrayBuffer());
    const { body, meta } = await CSE.encrypt(plaintext, { version, wrap });
    current = { plaintext, body, meta, wrap, principal, name: file.name };

    byId("cse-plain-size").textContent = String(plaintext.length);
    byId("cse-body-size").textContent = String(body.length);
    byId("cse-meta").replaceChildren(
      ...Object.entries(meta).map(([k, v]) => {
        const line = document.createElement("span");
        line.className = "headers__line";
        line.textContent = `${k}: ${v}`;
        return line;
      }),
    );
    byId("cse-hex").textContent = hex(body.subarray(0, 64));
    byId("cse-key-out").hidden = !keyB64;
    byId("cse-key-value").textContent = keyB64;
    byId("cse-save-body").href = blobUrl(body, "application/octet-stream");
    byId("cse-save-body").download = `${file.name}.encrypted`;
    byId("cse-save-meta").href = blobUrl(JSON.stringify(meta, null, 2), "application/json");
    outcome.textContent = "";
    result.hidden = false;
    status.textContent = "";
  }

  async function decryptAgain() {
    if (!current) return;
    outcome.textContent = result.dataset.msgWorking;
    const body = current.body.slice();
    if (byId("cse-tamper").checked) body[Math.floor(body.length / 2)] ^= 0x01;
    let wrap = current.wrap;
    if (wrap.kind === "kms") {
      wrap = {
        kind: "kms",
        keyId: wrap.keyId,
        endpoint: form.dataset.cseEndpoint,
        principal: current.principal,
      };
    }
    try {
      const plain = await CSE.decrypt(body, current.meta, wrap);
      const same =
        plain.length === current.plaintext.length &&
        plain.every((b, i) => b === current.plaintext[i]);
      outcome.textContent = same ? result.dataset.msgOk : result.dataset.msgMismatch;
      outcome.dataset.result = same ? "match" : "mismatch";
    } catch (error) {
      outcome.dataset.result = "failed";
      outcome.textContent =
        error instanceof CSE.KMSError
          ? `${result.dataset.msgKms} ${error.code} — ${error.kmsMessage}`
          : result.dataset.msgFailed;
    }
  }

  form.addEventListener("submit", (event) => {
    encryptFile(event).catch((error) => {
      status.textContent =
        error instanceof CSE.KMSError
          ? `${result.dataset.msgKms} ${error.code} — ${error.kmsMessage}`
          : error.message;
    });
  });
  byId("cse-decrypt").addEventListener("click", () => {
    decryptAgain();
  });
}

const workbench = document.getElementById("cse-workbench");
if (workbench) setUp(workbench);
