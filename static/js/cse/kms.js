/*
 * The lab's KMS, called from the browser: GenerateDataKey and Decrypt of a data key
 * through the sandbox's CSE endpoints (POST <web:cse>/data-key and /decrypt-key, JSON
 * in the KMS protocol's shape). KMS sees the data key, as AWS KMS does when the S3
 * Encryption Client calls it; it never sees an object's plaintext.
 */

import { b64decodeStrict, b64encode, stringPairs } from "./bytes.js";

// KeySpec AES_256: a data key is 32 bytes.
const AES_256_BYTES = 32;

/** A KMS refusal, in the KMS JSON protocol's words (code = its __type). */
export class KMSError extends Error {
  constructor(code, message, status) {
    super(code + (message ? `: ${message}` : ""));
    this.name = "KMSError";
    this.code = code;
    this.kmsMessage = message || "";
    this.status = status || 400;
  }
}

// The token is on the page (hx-headers on <body>): the CSRF cookie is HttpOnly.
export function csrfToken() {
  const body = document.body;
  const raw = body?.getAttribute("hx-headers");
  if (!raw) return "";
  try {
    return JSON.parse(raw)["X-CSRFToken"] || "";
  } catch (_error) {
    return "";
  }
}

/** The URL of one data-key endpoint from the web:cse URL (or either endpoint's URL). */
function endpointUrl(endpoint, name) {
  if (!endpoint) throw new Error("no CSE endpoint given (data-cse-endpoint)");
  const base = String(endpoint).replace(/(data-key|decrypt-key)\/?$/, "");
  return (base.endsWith("/") ? base : `${base}/`) + name;
}

async function postJson(url, payload) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/json",
      "X-CSRFToken": csrfToken(),
    },
    body: JSON.stringify(payload),
  });
  let data = null;
  try {
    data = await response.json();
  } catch (_error) {
    data = null;
  }
  if (!response.ok) {
    if (data?.__type) throw new KMSError(data.__type, data.message, response.status);
    throw new KMSError(`HTTP${response.status}`, response.statusText, response.status);
  }
  return data;
}

/**
 * Ask the lab's KMS for a fresh data key (GenerateDataKey, AES_256) under the
 * context the format requires: the caller's pairs plus aws:x-amz-cek-alg.
 * NOTE: the server (KMS) sees this data key, as AWS KMS does; never the object.
 */
export async function requestDataKey({ endpoint, keyId, version = 3, context, principal }) {
  const data = await postJson(endpointUrl(endpoint, "data-key"), {
    KeyId: keyId,
    Version: Number(version),
    EncryptionContext: Object.fromEntries(stringPairs(context, "context")),
    Principal: principal || undefined,
  });
  const plaintext = b64decodeStrict(data.Plaintext);
  if (!plaintext || plaintext.length !== AES_256_BYTES) {
    throw new Error("KMS returned a data key that is not 256 bits");
  }
  return { plaintext, ciphertextBlob: data.CiphertextBlob, keyId: data.KeyId };
}

export async function decryptDataKey({ endpoint, keyId, principal }, encryptedKey, storedContext) {
  const data = await postJson(endpointUrl(endpoint, "decrypt-key"), {
    CiphertextBlob: b64encode(encryptedKey),
    EncryptionContext: Object.fromEntries(storedContext),
    KeyId: keyId || undefined,
    Principal: principal || undefined,
  });
  return data.Plaintext;
}
