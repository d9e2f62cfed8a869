/*
 * S3 Encryption Lab — client-side encryption in the browser (window.S3LabCSE).
 *
 * The browser half of the lab's CSE: the same V2 and V3 formats of the Amazon S3
 * Encryption Client that simulator/engine/cse implements in Python (its package
 * docstring is the specification followed here, step by step). An object encrypted
 * here decrypts with the Python code and the other way round; the browser tests
 * prove it byte for byte.
 *
 *   const key = S3LabCSE.generateKey();                        // 32 random bytes
 *   const {body, meta} = await S3LabCSE.encrypt(bytes, {version: 3,
 *       wrap: {kind: "aes", key}});                             // key kept in the browser
 *   const plain = await S3LabCSE.decrypt(body, meta, {kind: "aes", key});
 *
 *   // KMS wrap: the data key comes from the lab's KMS (POST .../cse/data-key).
 *   const dataKey = await S3LabCSE.requestDataKey({endpoint, keyId, version: 3});
 *   await S3LabCSE.encrypt(bytes, {version: 3, wrap: {kind: "kms", keyId, dataKey}});
 *   await S3LabCSE.decrypt(body, meta, {kind: "kms", keyId, endpoint});
 *
 * With KMS wrapping, KMS (the lab's server) sees the data key — exactly as AWS KMS
 * does when the S3 Encryption Client calls GenerateDataKey and Decrypt — but it never
 * sees the object's plaintext: that is encrypted here, before the upload.
 *
 * Page integration (no code needed on the page; this script attaches itself):
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
 * offers the plaintext as a Blob download. S3LabCSE.attachDownload(element) does the
 * same by hand and resolves to a function that runs the decryption.
 */
(function () {
  "use strict";

  const subtle = window.crypto && window.crypto.subtle;

  // ------------------------------------------------------------------ format constants

  const META_PREFIX = "x-amz-meta-";
  const KEY_V1 = "x-amz-key";
  const KEY_V2 = "x-amz-key-v2";
  const IV = "x-amz-iv";
  const CEK_ALG = "x-amz-cek-alg";
  const WRAP_ALG = "x-amz-wrap-alg";
  const TAG_LEN = "x-amz-tag-len";
  const MATDESC = "x-amz-matdesc";
  const UNENCRYPTED_LENGTH = "x-amz-unencrypted-content-length";
  const CEK_ALG_V3 = "x-amz-c";
  const KEY_V3 = "x-amz-3";
  const MATDESC_V3 = "x-amz-m";
  const CONTEXT_V3 = "x-amz-t";
  const WRAP_ALG_V3 = "x-amz-w";
  const COMMITMENT_V3 = "x-amz-d";
  const MESSAGE_ID_V3 = "x-amz-i";
  const INSTRUCTION_FILE = "x-amz-crypto-instr-file";

  const V2_KEYS = [KEY_V2, WRAP_ALG, MATDESC, IV, CEK_ALG, TAG_LEN];
  const V3_KEYS = [CEK_ALG_V3, KEY_V3, MATDESC_V3, CONTEXT_V3, WRAP_ALG_V3, COMMITMENT_V3,
    MESSAGE_ID_V3];
  const ENVELOPE_KEYS = new Set([KEY_V1, UNENCRYPTED_LENGTH, INSTRUCTION_FILE, ...V2_KEYS,
    ...V3_KEYS]);

  const WRAP_AES_GCM = "AES/GCM";
  const WRAP_KMS_CONTEXT = "kms+context";
  const V3_WRAP_CODES = { [WRAP_AES_GCM]: "02", [WRAP_KMS_CONTEXT]: "12", "RSA-OAEP-SHA1": "22" };
  const V3_WRAP_NAMES = { "02": WRAP_AES_GCM, "12": WRAP_KMS_CONTEXT, "22": "RSA-OAEP-SHA1" };
  const CEK_ALG_CONTEXT_KEY = "aws:x-amz-cek-alg";

  const TAG_BITS = 128;
  const IV_BYTES = 12;
  const MESSAGE_ID_BYTES = 28;
  const COMMITMENT_BYTES = 28;
  const DATA_KEY_BYTES = 32;
  const WRAPPED_AES_KEY_BYTES = IV_BYTES + DATA_KEY_BYTES + TAG_BITS / 8;

  const SUITES = Object.freeze({
    2: Object.freeze({ version: 2, id: 0x0072, name: "ALG_AES_256_GCM_IV12_TAG16_NO_KDF",
      contentAlg: "AES/GCM/NoPadding", committing: false }),
    3: Object.freeze({ version: 3, id: 0x0073, name: "ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY",
      contentAlg: "115", committing: true }),
  });

  // The key-committing suite uses a fixed IV: each object has its own derived key.
  const COMMITTING_IV = new Uint8Array(IV_BYTES).fill(1);

  // KMS errors that mean "this ciphertext or context does not fit": they become the one
  // decryption error. Others (a disabled key, a denied request) are shown as they are.
  const KMS_CIPHERTEXT_ERRORS = new Set(["InvalidCiphertextException", "IncorrectKeyException"]);

  // ------------------------------------------------------------------ errors

  /** The one error every failed decryption becomes: tampering, a wrong key, a bad envelope. */
  class CSEError extends Error {
    constructor() {
      super("The object could not be decrypted: it was changed, or this is not its key.");
      this.name = "CSEError";
    }
  }

  /** A KMS refusal, in the KMS JSON protocol's words (code = its __type). */
  class KMSError extends Error {
    constructor(code, message, status) {
      super(code + (message ? ": " + message : ""));
      this.name = "KMSError";
      this.code = code;
      this.kmsMessage = message || "";
      this.status = status || 400;
    }
  }

  // ------------------------------------------------------------------ bytes

  const encoder = new TextEncoder();

  function ascii(text) {
    return encoder.encode(text);
  }

  function toBytes(value, what) {
    if (value instanceof Uint8Array) return value;
    if (value instanceof ArrayBuffer) return new Uint8Array(value);
    if (ArrayBuffer.isView(value)) {
      return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    }
    throw new TypeError((what || "value") + " must be a Uint8Array or an ArrayBuffer");
  }

  function concat(...parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }

  function randomBytes(n) {
    return window.crypto.getRandomValues(new Uint8Array(n));
  }

  function constantTimeEqual(a, b) {
    if (a.length !== b.length) return false;
    let diff = 0;
    for (let i = 0; i < a.length; i += 1) diff |= a[i] ^ b[i];
    return diff === 0;
  }

  /** Standard base64 with padding (works for large arrays: built in slices). */
  function b64encode(bytes) {
    const data = toBytes(bytes);
    const pieces = [];
    for (let i = 0; i < data.length; i += 0x8000) {
      pieces.push(String.fromCharCode.apply(null, data.subarray(i, i + 0x8000)));
    }
    return btoa(pieces.join(""));
  }

  const B64_STRICT = /^[A-Za-z0-9+/]*={0,2}$/;

  /** Strict base64 (alphabet and padding checked, as Python's validate=True); null if bad. */
  function b64decodeStrict(text) {
    if (typeof text !== "string" || text.length % 4 !== 0 || !B64_STRICT.test(text)) return null;
    let binary;
    try {
      binary = atob(text);
    } catch (error) {
      return null;
    }
    const out = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i += 1) out[i] = binary.charCodeAt(i);
    return out;
  }

  function b64decode(text) {
    const out = b64decodeStrict(text);
    if (out === null) throw new CSEError();
    return out;
  }

  // ------------------------------------------------------------------ JSON as Python writes it

  /**
   * A context or material description as json.dumps writes it: ", " and ": "
   * separators, insertion order, every character outside printable ASCII as \uXXXX.
   */
  function contextJson(pairs) {
    const quote = (s) => JSON.stringify(s).replace(/[^\x20-\x7e]/g,
      (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
    return "{" + pairs.map(([k, v]) => quote(k) + ": " + quote(v)).join(", ") + "}";
  }

  function stringPairs(map, what) {
    if (map === undefined || map === null) return [];
    const entries = map instanceof Map ? Array.from(map.entries()) : Object.entries(map);
    for (const [k, v] of entries) {
      if (typeof k !== "string" || typeof v !== "string") {
        throw new TypeError(what + " must map strings to strings");
      }
    }
    return entries;
  }

  function sameMap(pairsA, pairsB) {
    if (pairsA.length !== pairsB.length) return false;
    const b = new Map(pairsB);
    return pairsA.every(([k, v]) => b.has(k) && b.get(k) === v);
  }

  function parseContext(value) {
    if (value === undefined) return [];
    let parsed;
    try {
      parsed = JSON.parse(value);
    } catch (error) {
      throw new CSEError();
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new CSEError();
    }
    const pairs = Object.entries(parsed);
    if (!pairs.every(([, v]) => typeof v === "string")) throw new CSEError();
    return pairs;
  }

  // ------------------------------------------------------------------ primitives (WebCrypto)

  function requireSubtle() {
    if (!subtle) {
      throw new Error("WebCrypto is not available: the page must be served over HTTPS or from localhost.");
    }
  }

  async function aesKey(raw, usage) {
    return subtle.importKey("raw", raw, { name: "AES-GCM" }, false, [usage]);
  }

  /** AES-256-GCM: ciphertext followed by the 16-byte tag. */
  async function seal(key, iv, plaintext, aad) {
    const params = { name: "AES-GCM", iv, tagLength: TAG_BITS };
    if (aad && aad.length) params.additionalData = aad;
    const out = await subtle.encrypt(params, await aesKey(key, "encrypt"), plaintext);
    return new Uint8Array(out);
  }

  async function openSealed(key, iv, sealed, aad) {
    const params = { name: "AES-GCM", iv, tagLength: TAG_BITS };
    if (aad && aad.length) params.additionalData = aad;
    try {
      const out = await subtle.decrypt(params, await aesKey(key, "decrypt"), sealed);
      return new Uint8Array(out);
    } catch (error) {
      throw new CSEError();
    }
  }

  /** HKDF-SHA512 (RFC 5869) of the data key, salted with the message id. */
  async function hkdfSha512(ikm, salt, info, length) {
    const base = await subtle.importKey("raw", ikm, "HKDF", false, ["deriveBits"]);
    const bits = await subtle.deriveBits({ name: "HKDF", hash: "SHA-512", salt, info }, base,
      length * 8);
    return new Uint8Array(bits);
  }

  function suiteIdBytes(suite) {
    return new Uint8Array([(suite.id >> 8) & 0xff, suite.id & 0xff]);
  }

  /** The V3 suite's derived encryption key (32 bytes) and key commitment (28 bytes). */
  async function deriveKeys(dataKey, messageId) {
    const suite = SUITES[3];
    const id = suiteIdBytes(suite);
    const encryptionKey = await hkdfSha512(dataKey, messageId, concat(id, ascii("DERIVEKEY")),
      DATA_KEY_BYTES);
    const commitment = await hkdfSha512(dataKey, messageId, concat(id, ascii("COMMITKEY")),
      COMMITMENT_BYTES);
    return { encryptionKey, commitment };
  }

  // ------------------------------------------------------------------ the envelope

  function v2Entries(suite, wrapAlg, edk, iv, contextPairs) {
    return [
      [KEY_V2, b64encode(edk)],
      [WRAP_ALG, wrapAlg],
      [MATDESC, contextJson(contextPairs)],
      [IV, b64encode(iv)],
      [CEK_ALG, suite.contentAlg],
      [TAG_LEN, String(TAG_BITS)],
    ];
  }

  function v3Entries(suite, wrapAlg, edk, messageId, commitment, contextPairs) {
    const entries = [[CEK_ALG_V3, suite.contentAlg], [KEY_V3, b64encode(edk)]];
    // The material description is written only when there is one; an encryption
    // context always holds at least aws:x-amz-cek-alg.
    if (wrapAlg === WRAP_KMS_CONTEXT) entries.push([CONTEXT_V3, contextJson(contextPairs)]);
    else if (contextPairs.length) entries.push([MATDESC_V3, contextJson(contextPairs)]);
    entries.push([WRAP_ALG_V3, V3_WRAP_CODES[wrapAlg]]);
    entries.push([COMMITMENT_V3, b64encode(commitment)]);
    entries.push([MESSAGE_ID_V3, b64encode(messageId)]);
    return entries;
  }

  function toHeaders(entries) {
    const headers = {};
    for (const [name, value] of entries) headers[META_PREFIX + name] = value;
    return headers;
  }

  /** The envelope's own entries of `meta`: lower-cased, without the S3 prefix. */
  function normalize(meta) {
    if (meta === null || typeof meta !== "object") throw new CSEError();
    const found = new Map();
    const entries = meta instanceof Map ? meta.entries() : Object.entries(meta);
    for (const [rawName, value] of entries) {
      let name = String(rawName).toLowerCase();
      if (name.startsWith(META_PREFIX)) name = name.slice(META_PREFIX.length);
      if (!ENVELOPE_KEYS.has(name)) continue;
      if (typeof value !== "string") throw new CSEError();
      if (found.has(name) && found.get(name) !== value) throw new CSEError();
      found.set(name, value);
    }
    return found;
  }

  /** Validate an envelope; anything but a well-formed V2 or V3 one is a CSEError. */
  function parseEnvelope(meta) {
    const entries = normalize(meta);
    const present = [KEY_V1, KEY_V2, KEY_V3].filter((k) => entries.has(k));
    if (present.length !== 1) throw new CSEError();
    if (present[0] === KEY_V2) return parseV2(entries);
    if (present[0] === KEY_V3) return parseV3(entries);
    // V1 is unauthenticated; the lab neither writes nor reads it.
    throw new CSEError();
  }

  function parseV2(entries) {
    if ([...V3_KEYS, UNENCRYPTED_LENGTH].some((k) => entries.has(k))) throw new CSEError();
    for (const required of [KEY_V2, IV, CEK_ALG, WRAP_ALG, TAG_LEN]) {
      if (!entries.has(required)) throw new CSEError();
    }
    if (entries.get(CEK_ALG) !== SUITES[2].contentAlg) throw new CSEError();
    if (entries.get(TAG_LEN) !== String(TAG_BITS)) throw new CSEError();
    const wrapAlg = entries.get(WRAP_ALG);
    if (wrapAlg !== WRAP_AES_GCM && wrapAlg !== WRAP_KMS_CONTEXT) throw new CSEError();
    const iv = b64decode(entries.get(IV));
    if (iv.length !== IV_BYTES) throw new CSEError();
    return {
      version: 2,
      suite: SUITES[2],
      wrapAlg,
      encryptedDataKey: b64decode(entries.get(KEY_V2)),
      context: parseContext(entries.get(MATDESC)),
      headers: entries,
      iv,
      messageId: null,
      commitment: null,
    };
  }

  function parseV3(entries) {
    if ([...V2_KEYS, UNENCRYPTED_LENGTH].some((k) => entries.has(k))) throw new CSEError();
    for (const required of [CEK_ALG_V3, KEY_V3, WRAP_ALG_V3, COMMITMENT_V3, MESSAGE_ID_V3]) {
      if (!entries.has(required)) throw new CSEError();
    }
    if (entries.get(CEK_ALG_V3) !== SUITES[3].contentAlg) throw new CSEError();
    const code = entries.get(WRAP_ALG_V3);
    const wrapAlg = Object.prototype.hasOwnProperty.call(V3_WRAP_NAMES, code)
      ? V3_WRAP_NAMES[code] : null;
    if (wrapAlg !== WRAP_AES_GCM && wrapAlg !== WRAP_KMS_CONTEXT) throw new CSEError();
    // Each wrapping algorithm has its own context entry; the other one must be absent.
    const own = wrapAlg === WRAP_KMS_CONTEXT ? CONTEXT_V3 : MATDESC_V3;
    const other = wrapAlg === WRAP_KMS_CONTEXT ? MATDESC_V3 : CONTEXT_V3;
    if (entries.has(other)) throw new CSEError();
    const messageId = b64decode(entries.get(MESSAGE_ID_V3));
    const commitment = b64decode(entries.get(COMMITMENT_V3));
    if (messageId.length !== MESSAGE_ID_BYTES || commitment.length !== COMMITMENT_BYTES) {
      throw new CSEError();
    }
    return {
      version: 3,
      suite: SUITES[3],
      wrapAlg,
      encryptedDataKey: b64decode(entries.get(KEY_V3)),
      context: parseContext(entries.get(own)),
      headers: entries,
      iv: null,
      messageId,
      commitment,
    };
  }

  /** A plain description of an envelope, for display; throws CSEError if there is none. */
  function describe(meta) {
    const env = parseEnvelope(meta);
    const kms = env.wrapAlg === WRAP_KMS_CONTEXT;
    return {
      version: env.version,
      suiteId: env.suite.id,
      suiteName: env.suite.name,
      contentAlgorithm: env.suite.contentAlg,
      keyCommitting: env.suite.committing,
      wrapAlgorithm: env.wrapAlg,
      wrappedKeyLength: env.encryptedDataKey.length,
      materialDescription: kms ? {} : Object.fromEntries(env.context),
      encryptionContext: kms ? Object.fromEntries(env.context) : {},
    };
  }

  // ------------------------------------------------------------------ the lab's KMS (server)

  // The token is on the page (hx-headers on <body>): the CSRF cookie is HttpOnly.
  function csrfToken() {
    const body = document.body;
    const raw = body && body.getAttribute("hx-headers");
    if (!raw) return "";
    try {
      return JSON.parse(raw)["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  /** The URL of one data-key endpoint from the web:cse URL (or either endpoint's URL). */
  function endpointUrl(endpoint, name) {
    if (!endpoint) throw new Error("no CSE endpoint given (data-cse-endpoint)");
    const base = String(endpoint).replace(/(data-key|decrypt-key)\/?$/, "");
    return (base.endsWith("/") ? base : base + "/") + name;
  }

  async function postJson(url, payload) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": csrfToken(),
      },
      body: JSON.stringify(payload),
    });
    let data = null;
    try {
      data = await response.json();
    } catch (error) {
      data = null;
    }
    if (!response.ok) {
      if (data && data.__type) throw new KMSError(data.__type, data.message, response.status);
      throw new KMSError("HTTP" + response.status, response.statusText, response.status);
    }
    return data;
  }

  /**
   * Ask the lab's KMS for a fresh data key (GenerateDataKey, AES_256) under the
   * context the format requires: the caller's pairs plus aws:x-amz-cek-alg.
   * NOTE: the server (KMS) sees this data key, as AWS KMS does; never the object.
   */
  async function requestDataKey({ endpoint, keyId, version = 3, context, principal }) {
    const data = await postJson(endpointUrl(endpoint, "data-key"), {
      KeyId: keyId,
      Version: Number(version),
      EncryptionContext: Object.fromEntries(stringPairs(context, "context")),
      Principal: principal || undefined,
    });
    const plaintext = b64decodeStrict(data.Plaintext);
    if (!plaintext || plaintext.length !== DATA_KEY_BYTES) {
      throw new Error("KMS returned a data key that is not 256 bits");
    }
    return { plaintext, ciphertextBlob: data.CiphertextBlob, keyId: data.KeyId };
  }

  async function decryptDataKey({ endpoint, keyId, principal }, encryptedKey, storedContext) {
    const data = await postJson(endpointUrl(endpoint, "decrypt-key"), {
      CiphertextBlob: b64encode(encryptedKey),
      EncryptionContext: Object.fromEntries(storedContext),
      KeyId: keyId || undefined,
      Principal: principal || undefined,
    });
    return data.Plaintext;
  }

  // ------------------------------------------------------------------ wraps

  function checkWrap(wrap) {
    if (!wrap || (wrap.kind !== "aes" && wrap.kind !== "kms")) {
      throw new TypeError('wrap.kind must be "aes" or "kms"');
    }
    if (wrap.kind === "aes") {
      const key = toBytes(wrap.key, "wrap.key");
      if (key.length !== 32) throw new TypeError("an AES wrapping key must be 32 bytes (AES-256)");
    }
  }

  function kmsCallerContext(wrap) {
    const pairs = stringPairs(wrap.context, "context");
    if (pairs.some(([k]) => k === CEK_ALG_CONTEXT_KEY)) {
      throw new TypeError(CEK_ALG_CONTEXT_KEY + " is reserved for the encryption client");
    }
    return pairs;
  }

  /** A fresh data key, its wrapped form, and the map stored beside it. */
  async function newDataKey(wrap, suite, draw) {
    if (wrap.kind === "aes") {
      const dataKey = draw("dataKey", DATA_KEY_BYTES);
      const nonce = draw("wrapNonce", IV_BYTES);
      const sealed = await seal(toBytes(wrap.key), nonce, dataKey, ascii(suite.contentAlg));
      return {
        plaintext: dataKey,
        encrypted: concat(nonce, sealed),
        stored: stringPairs(wrap.materialDescription, "materialDescription"),
        wrapAlg: WRAP_AES_GCM,
      };
    }
    const context = [...kmsCallerContext(wrap), [CEK_ALG_CONTEXT_KEY, suite.contentAlg]];
    let dataKey = wrap.dataKey;
    if (!dataKey) {
      dataKey = await requestDataKey({ endpoint: wrap.endpoint, keyId: wrap.keyId,
        version: suite.version, context: wrap.context, principal: wrap.principal });
    }
    const plaintext = toBytes(dataKey.plaintext, "dataKey.plaintext");
    const encrypted = b64decodeStrict(dataKey.ciphertextBlob);
    if (plaintext.length !== DATA_KEY_BYTES || encrypted === null) {
      throw new TypeError("dataKey must hold a 32-byte plaintext and a base64 ciphertextBlob");
    }
    return { plaintext, encrypted, stored: context, wrapAlg: WRAP_KMS_CONTEXT };
  }

  async function unwrap(wrap, env) {
    if (wrap.kind === "aes") {
      // The format does not authenticate the material description: insist on ours.
      if (!sameMap(env.context, stringPairs(wrap.materialDescription, "materialDescription"))) {
        throw new CSEError();
      }
      const edk = env.encryptedDataKey;
      if (edk.length !== WRAPPED_AES_KEY_BYTES) throw new CSEError();
      return openSealed(toBytes(wrap.key), edk.subarray(0, IV_BYTES), edk.subarray(IV_BYTES),
        ascii(env.suite.contentAlg));
    }
    // The stored context must name this object's content algorithm (no downgrade) and
    // otherwise be exactly the context the caller expects.
    const stored = env.context.filter(([k]) => k !== CEK_ALG_CONTEXT_KEY);
    const named = env.context.find(([k]) => k === CEK_ALG_CONTEXT_KEY);
    if (!named || named[1] !== env.suite.contentAlg) throw new CSEError();
    if (!sameMap(stored, kmsCallerContext(wrap))) throw new CSEError();
    let plaintextB64;
    try {
      plaintextB64 = typeof wrap.unwrapKey === "function"
        ? await wrap.unwrapKey(b64encode(env.encryptedDataKey), Object.fromEntries(env.context))
        : await decryptDataKey(wrap, env.encryptedDataKey, env.context);
    } catch (error) {
      if (error instanceof KMSError && KMS_CIPHERTEXT_ERRORS.has(error.code)) throw new CSEError();
      throw error;
    }
    const plaintext = typeof plaintextB64 === "string" ? b64decodeStrict(plaintextB64)
      : plaintextB64;
    if (!plaintext || plaintext.length !== DATA_KEY_BYTES) throw new CSEError();
    return toBytes(plaintext);
  }

  // ------------------------------------------------------------------ encrypt / decrypt

  function suiteFor(version) {
    const suite = SUITES[Number(version === undefined ? 3 : version)];
    if (!suite) throw new TypeError("version must be 2 or 3");
    return suite;
  }

  async function encryptWithDraws(plaintext, options, draw) {
    requireSubtle();
    const data = toBytes(plaintext, "plaintext");
    const wrap = options.wrap;
    checkWrap(wrap);
    const suite = suiteFor(options.version);
    // Order of draws, as in Python: the wrap's (data key, then nonce), then IV or MID.
    const dataKey = await newDataKey(wrap, suite, draw);
    let body;
    let entries;
    if (!suite.committing) {
      const iv = draw("iv", IV_BYTES);
      body = await seal(dataKey.plaintext, iv, data, null);
      entries = v2Entries(suite, dataKey.wrapAlg, dataKey.encrypted, iv, dataKey.stored);
    } else {
      const messageId = draw("messageId", MESSAGE_ID_BYTES);
      const { encryptionKey, commitment } = await deriveKeys(dataKey.plaintext, messageId);
      body = await seal(encryptionKey, COMMITTING_IV, data, suiteIdBytes(suite));
      entries = v3Entries(suite, dataKey.wrapAlg, dataKey.encrypted, messageId, commitment,
        dataKey.stored);
    }
    return { body, meta: toHeaders(entries) };
  }

  /**
   * Encrypt in the browser. options: {version: 2|3 (default 3), wrap}. Returns
   * {body: Uint8Array, meta: {"x-amz-meta-x-amz-…": string}} to send with PutObject.
   */
  function encrypt(plaintext, options) {
    return encryptWithDraws(plaintext, options || {}, (name, n) => randomBytes(n));
  }

  /**
   * Test hook: encrypt with every random draw pinned ({dataKey, wrapNonce, iv,
   * messageId}, each a Uint8Array), so a test can compare with the Python output byte
   * for byte. The second argument is either {version, wrap} or a wrap (then the
   * version is pins.version, default 3).
   */
  function encryptWith(plaintext, optionsOrWrap, pins) {
    const options = optionsOrWrap && optionsOrWrap.kind
      ? { version: (pins && pins.version) || 3, wrap: optionsOrWrap } : optionsOrWrap || {};
    const draw = (name, n) => {
      const value = pins && pins[name];
      if (!value) throw new TypeError("pinned draw missing: " + name);
      const bytes = toBytes(value, name);
      if (bytes.length !== n) throw new TypeError(name + " must be " + n + " bytes");
      return bytes;
    };
    return encryptWithDraws(plaintext, options, draw);
  }

  /**
   * Decrypt a V2 or V3 object. Any tampering or the wrong key rejects with CSEError
   * (a KMS refusal about the key's state or permissions rejects with KMSError).
   * V3: the key commitment is checked before any byte of the body is decrypted.
   * wrap: {kind: "aes", key, materialDescription?} | {kind: "kms", endpoint, keyId?,
   * context?, principal?} (or {kind: "kms", unwrapKey: async (edkB64, ec) => b64}).
   */
  async function decrypt(body, meta, wrap, options) {
    requireSubtle();
    const data = toBytes(body, "body");
    checkWrap(wrap);
    const env = parseEnvelope(meta);
    if (options && options.requireCommitment && !env.suite.committing) throw new CSEError();
    const expected = wrap.kind === "aes" ? WRAP_AES_GCM : WRAP_KMS_CONTEXT;
    if (env.wrapAlg !== expected) throw new CSEError();
    const dataKey = await unwrap(wrap, env);
    if (!env.suite.committing) return openSealed(dataKey, env.iv, data, null);
    const { encryptionKey, commitment } = await deriveKeys(dataKey, env.messageId);
    if (!constantTimeEqual(commitment, env.commitment)) throw new CSEError();
    return openSealed(encryptionKey, COMMITTING_IV, data, suiteIdBytes(env.suite));
  }

  function generateKey() {
    return randomBytes(32);
  }

  // ------------------------------------------------------------------ messages (en / ja)

  const MESSAGES = {
    en: {
      reading: "Reading the file…",
      encrypting: "Encrypting in your browser…",
      dataKey: "Asking KMS for a data key (KMS sees the data key, never your file)…",
      uploading: "Uploading the ciphertext… {percent}%",
      uploaded: "Uploaded. Opening the trace…",
      failed: "The upload failed: {reason}",
      badKey: "The key is not a base64-encoded 256-bit key (32 bytes).",
      noFile: "Choose a file first.",
      noKmsKey: "Choose a KMS key first.",
      keyTitle: "Your key (kept in this browser only)",
      keyNote: "Save this key. The server never receives it; without it nobody can decrypt the object. This browser also remembers it for this object.",
      pasteLabel: "Your wrapping key (base64 of 32 bytes)",
      pasteHelp: "Leave empty to generate a new key. It never leaves this browser.",
      generate: "Generate a key",
      copy: "Copy",
      copied: "Copied.",
      decryptButton: "Decrypt in the browser",
      keyLabel: "Your key (base64)",
      loading: "Reading the envelope…",
      fetching: "Downloading the ciphertext…",
      decrypting: "Decrypting in your browser…",
      decrypted: "Decrypted in your browser: {size} bytes.",
      save: "Save the decrypted file",
      decryptFailed: "It could not be decrypted: the object was changed or this is not its key.",
      noEnvelope: "This object has no client-side encryption envelope the lab can read.",
      kmsRefused: "KMS refused: {code} — {message}",
      kmsNote: "KMS unwraps the data key on the server, as in AWS; the object is decrypted here, in your browser.",
      tooLarge: "This file is larger than the browser can encrypt in one piece here ({limit}).",
    },
    ja: {
      reading: "ファイルを読み込んでいます…",
      encrypting: "ブラウザー内で暗号化しています…",
      dataKey: "KMS にデータキーを要求しています（KMS が見るのはデータキーだけで、ファイルは見ません）…",
      uploading: "暗号文をアップロードしています… {percent}%",
      uploaded: "アップロードしました。トレースを開きます…",
      failed: "アップロードに失敗しました: {reason}",
      badKey: "鍵が、Base64 でエンコードした 256 ビット（32 バイト）の鍵ではありません。",
      noFile: "先にファイルを選んでください。",
      noKmsKey: "先に KMS キーを選んでください。",
      keyTitle: "あなたの鍵（このブラウザーの中だけに保管）",
      keyNote: "この鍵を保存してください。サーバーはこの鍵を受け取りません。鍵がなければ、だれもこのオブジェクトを復号できません。このブラウザーも、このオブジェクト用に鍵を覚えておきます。",
      pasteLabel: "ラッピングキー（32 バイトを Base64 で）",
      pasteHelp: "空欄なら新しい鍵を生成します。鍵はこのブラウザーの外に出ません。",
      generate: "鍵を生成",
      copy: "コピー",
      copied: "コピーしました。",
      decryptButton: "ブラウザーで復号",
      keyLabel: "あなたの鍵（Base64）",
      loading: "エンベロープを読み込んでいます…",
      fetching: "暗号文をダウンロードしています…",
      decrypting: "ブラウザー内で復号しています…",
      decrypted: "ブラウザー内で復号しました: {size} バイト。",
      save: "復号したファイルを保存",
      decryptFailed: "復号できませんでした。オブジェクトが変更されたか、鍵が違います。",
      noEnvelope: "このオブジェクトには、ラボが読めるクライアント側暗号化のエンベロープがありません。",
      kmsRefused: "KMS が拒否しました: {code} — {message}",
      kmsNote: "AWS と同じく、データキーの復号は KMS（サーバー）が行います。オブジェクトの復号はここ、あなたのブラウザーで行います。",
      tooLarge: "このファイルは、ここでブラウザーが一度に暗号化できる大きさ（{limit}）を超えています。",
    },
  };

  function t(name, values) {
    const lang = (document.documentElement.lang || "en").toLowerCase().startsWith("ja") ? "ja" : "en";
    let text = MESSAGES[lang][name] || MESSAGES.en[name] || name;
    for (const [k, v] of Object.entries(values || {})) text = text.split("{" + k + "}").join(String(v));
    return text;
  }

  // WebCrypto's AES-GCM is one-shot: the whole file and its ciphertext are in memory
  // at once (about twice the file). The lab's upload limit is 100 MiB, which Chromium
  // handles; this bound only refuses sizes a browser tab would not survive.
  const MAX_BROWSER_BYTES = 1024 * 1024 * 1024;

  // ------------------------------------------------------------------ remembered keys

  function storageName(sandbox, bucket, key) {
    return "s3lab-cse:" + JSON.stringify([String(sandbox || ""), String(bucket || ""),
      String(key || "")]);
  }

  function rememberKey(sandbox, bucket, key, keyB64) {
    try {
      window.localStorage.setItem(storageName(sandbox, bucket, key), keyB64);
    } catch (error) {
      try {
        window.sessionStorage.setItem(storageName(sandbox, bucket, key), keyB64);
      } catch (ignored) {
        // storage disabled: the learner still has the key on screen
      }
    }
  }

  function recallKey(sandbox, bucket, key) {
    const name = storageName(sandbox, bucket, key);
    try {
      return window.localStorage.getItem(name) || window.sessionStorage.getItem(name) || "";
    } catch (error) {
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
        navigator.clipboard.writeText(keyB64).then(() => { copy.textContent = t("copied"); },
          () => {});
      }
    });
    box = el("div", { class: "cse-key card", "data-cse-key": keyB64 },
      el("p", { class: "cse-key__title" }, el("strong", { text: t("keyTitle") })),
      el("p", {}, code, " ", copy),
      el("p", { class: "cse-key__note", text: t("keyNote") }));
    container.append(box);
  }

  function formatSize(bytes) {
    return bytes >= 1024 * 1024 ? (bytes / (1024 * 1024)).toFixed(0) + " MiB"
      : bytes + " bytes";
  }

  // ------------------------------------------------------------------ where the lab's URLs are

  const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

  /** The sandbox id: the element's data-sandbox, else the UUID in the page's path. */
  function sandboxOf(element) {
    if (element && element.dataset.sandbox) return element.dataset.sandbox;
    const match = window.location.pathname.match(UUID);
    return match ? match[0] : "";
  }

  /** The web:cse URL: the element's data-cse-endpoint, else /lab/<sandbox>/cse/. */
  function endpointOf(element) {
    if (element && element.dataset.cseEndpoint) return element.dataset.cseEndpoint;
    const sandbox = sandboxOf(element);
    return sandbox ? "/lab/" + sandbox + "/cse/" : "";
  }

  /** The bucket: data-bucket, else the name after /buckets/ in the page's path. */
  function bucketOf(element) {
    if (element && element.dataset.bucket) return element.dataset.bucket;
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
      const input = el("input", { id, name: names.paste, type: "text", autocomplete: "off",
        spellcheck: "false", class: "cse-key-input", "aria-describedby": id + "-help" });
      const generate = el("button", { type: "button", class: "lab-button-secondary cse-generate",
        text: t("generate") });
      generate.addEventListener("click", () => {
        input.value = b64encode(generateKey());
        input.dispatchEvent(new Event("input", { bubbles: true }));
      });
      const row = el("div", { class: "cse-key-row", "data-cse-key-row": "" },
        el("label", { for: id, text: t("pasteLabel") }), " ", input, " ", generate,
        el("p", { id: id + "-help", class: "lab-small lab-muted", text: t("pasteHelp") }));
      panel.append(row);
    }
    const sync = () => {
      const wrap = String(new FormData(form).get(names.wrap) || "browser");
      for (const row of panel.querySelectorAll("[data-cse-key-row]")) row.hidden = wrap === "kms";
    };
    form.addEventListener("change", sync);
    sync();
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
      } catch (error) {
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
    const bar = box && box.querySelector("progress");
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
      say(t("dataKey"));
      const dataKey = await requestDataKey({ endpoint, keyId, version, principal });
      wrap = { kind: "kms", keyId, dataKey };
    } else {
      const pasted = String(field(fields, names.paste) || "").trim();
      let key;
      if (pasted) {
        key = b64decodeStrict(pasted);
        if (!key || key.length !== 32) {
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
      const fresh = doc.getElementById(form.parentElement && form.parentElement.id);
      if (fresh && form.parentElement) {
        form.parentElement.replaceWith(document.importNode(fresh, true));
        const again = document.getElementById(fresh.id);
        const againPanel = again && again.querySelector("#cse-panel");
        if (againPanel) preparePanel(againPanel.closest("form"), againPanel);
        if (window.htmx && again) window.htmx.process(again);
        return;
      }
    }
    say(t("failed", { reason: xhr.status + " " + xhr.statusText }));
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
      const text = error instanceof KMSError
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
    const response = await fetch(d.envelopeUrl, { credentials: "same-origin",
      headers: { Accept: "application/json" } });
    if (!response.ok) throw new CSEError();
    const data = await response.json();
    return { meta: data.meta || {}, bodyUrl: d.bodyUrl || data.body_url };
  }

  /**
   * Give `element` a "Decrypt in the browser" control (see the header comment for its
   * data attributes). Returns a promise of a function that runs the decryption (tests
   * and other scripts may call it); the plaintext is offered as a Blob download.
   */
  function attachDownload(element) {
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
    } catch (error) {
      status.textContent = t("noEnvelope");
      return null;
    }
    status.textContent = "";
    const sandbox = sandboxOf(element);
    const bucket = bucketOf(element);
    const button = el("button", { type: "button", class: "button cse-download__button",
      text: t("decryptButton") });
    let keyInput = null;
    const controls = el("div", { class: "cse-download__controls" });
    if (env.wrapAlg === WRAP_AES_GCM) {
      const id = "cse-download-key";
      keyInput = el("input", { id, type: "text", class: "cse-download__key", autocomplete: "off",
        spellcheck: "false" });
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
      if (!response.ok) throw new Error(response.status + " " + response.statusText);
      const body = new Uint8Array(await response.arrayBuffer());
      status.textContent = t("decrypting");
      let wrap;
      if (env.wrapAlg === WRAP_KMS_CONTEXT) {
        // The learner's expected context is what the object carries (minus the
        // client's own key); KMS still checks it against the wrapped key.
        const context = Object.fromEntries(env.context.filter(([k]) => k !== CEK_ALG_CONTEXT_KEY));
        wrap = { kind: "kms", endpoint: endpointOf(element), keyId: d.kmsKey || undefined, context,
          principal: d.principal || undefined };
      } else {
        const key = b64decodeStrict(((keyInput && keyInput.value) || "").trim());
        if (!key || key.length !== 32) throw new CSEError();
        wrap = { kind: "aes", key };
      }
      const plaintext = await decrypt(body, envelope.meta, wrap);
      if (objectUrl) URL.revokeObjectURL(objectUrl);
      objectUrl = URL.createObjectURL(new Blob([plaintext], { type: "application/octet-stream" }));
      const name = d.filename || String(d.key || "object").split("/").pop() || "object";
      const link = el("a", { href: objectUrl, download: name, class: "button cse-download__save",
        text: t("save") });
      status.replaceChildren(el("span", { text: t("decrypted", { size: plaintext.length }) }),
        " ", link);
      return plaintext;
    };
    const guarded = () => run().catch((error) => {
      status.textContent = error instanceof KMSError
        ? t("kmsRefused", { code: error.code, message: error.kmsMessage })
        : error instanceof CSEError ? t("decryptFailed") : t("failed", { reason: error.message });
      throw error;
    });
    button.addEventListener("click", () => { guarded().catch(() => {}); });
    return guarded;
  }

  const DOWNLOAD_SELECTOR = "#cse-download, [data-cse-download]";

  function init(root) {
    const scope = root && root.querySelectorAll ? root : document;
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

  window.S3LabCSE = Object.freeze({
    SUITES,
    CSEError,
    KMSError,
    generateKey,
    encrypt,
    decrypt,
    describe,
    requestDataKey,
    attachDownload,
    rememberKey,
    recallKey,
    b64encode,
    b64decode: b64decodeStrict,
    deriveKeys,
    _encryptWith: encryptWith,
  });
})();
