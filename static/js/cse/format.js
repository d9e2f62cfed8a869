/*
 * S3 Encryption Lab — client-side encryption in the browser (static/js/cse/format.js).
 *
 * The browser half of the lab's CSE: the same V2 and V3 formats of the Amazon S3
 * Encryption Client that simulator/engine/cse implements in Python (its package
 * docstring is the specification followed here, step by step). An object encrypted
 * here decrypts with the Python code and the other way round; the browser tests
 * prove it byte for byte.
 *
 *   // S3LabCSE: this module's namespace (the names it exports).
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
 *
 * page.js wires this into the lab's upload and object pages; workbench.js into the
 * CSE workbench. The browser tests import this module and compare its bytes with
 * tests/vectors/cse.json and with the Python implementation.
 */

import {
  ascii,
  b64decodeStrict,
  b64encode,
  concat,
  constantTimeEqual,
  contextJson,
  randomBytes,
  sameMap,
  stringPairs,
  toBytes,
} from "./bytes.js";
import { decryptDataKey, KMSError, requestDataKey } from "./kms.js";

export { b64decodeStrict as b64decode, b64encode, KMSError, requestDataKey };

const subtle = window.crypto?.subtle;

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
const V3_KEYS = [
  CEK_ALG_V3,
  KEY_V3,
  MATDESC_V3,
  CONTEXT_V3,
  WRAP_ALG_V3,
  COMMITMENT_V3,
  MESSAGE_ID_V3,
];
const ENVELOPE_KEYS = new Set([
  KEY_V1,
  UNENCRYPTED_LENGTH,
  INSTRUCTION_FILE,
  ...V2_KEYS,
  ...V3_KEYS,
]);

export const WRAP_AES_GCM = "AES/GCM";
export const WRAP_KMS_CONTEXT = "kms+context";
const V3_WRAP_CODES = { [WRAP_AES_GCM]: "02", [WRAP_KMS_CONTEXT]: "12", "RSA-OAEP-SHA1": "22" };
const V3_WRAP_NAMES = { "02": WRAP_AES_GCM, 12: WRAP_KMS_CONTEXT, 22: "RSA-OAEP-SHA1" };
export const CEK_ALG_CONTEXT_KEY = "aws:x-amz-cek-alg";

const TAG_BITS = 128;
const IV_BYTES = 12;
const MESSAGE_ID_BYTES = 28;
const COMMITMENT_BYTES = 28;
const DATA_KEY_BYTES = 32;
const WRAPPED_AES_KEY_BYTES = IV_BYTES + DATA_KEY_BYTES + TAG_BITS / 8;

export const SUITES = Object.freeze({
  2: Object.freeze({
    version: 2,
    id: 0x0072,
    name: "ALG_AES_256_GCM_IV12_TAG16_NO_KDF",
    contentAlg: "AES/GCM/NoPadding",
    committing: false,
  }),
  3: Object.freeze({
    version: 3,
    id: 0x0073,
    name: "ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY",
    contentAlg: "115",
    committing: true,
  }),
});

// The key-committing suite uses a fixed IV: each object has its own derived key.
const COMMITTING_IV = new Uint8Array(IV_BYTES).fill(1);

// KMS errors that mean "this ciphertext or context does not fit": they become the one
// decryption error. Others (a disabled key, a denied request) are shown as they are.
const KMS_CIPHERTEXT_ERRORS = new Set(["InvalidCiphertextException", "IncorrectKeyException"]);

// ------------------------------------------------------------------ errors

/** The one error every failed decryption becomes: tampering, a wrong key, a bad envelope. */
export class CSEError extends Error {
  constructor() {
    super("The object could not be decrypted: it was changed, or this is not its key.");
    this.name = "CSEError";
  }
}

function b64decode(text) {
  const out = b64decodeStrict(text);
  if (out === null) throw new CSEError();
  return out;
}

function parseContext(value) {
  if (value === undefined) return [];
  let parsed;
  try {
    parsed = JSON.parse(value);
  } catch (_error) {
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
    throw new Error(
      "WebCrypto is not available: the page must be served over HTTPS or from localhost.",
    );
  }
}

async function aesKey(raw, usage) {
  return subtle.importKey("raw", raw, { name: "AES-GCM" }, false, [usage]);
}

/** AES-256-GCM: ciphertext followed by the 16-byte tag. */
async function seal(key, iv, plaintext, aad) {
  const params = { name: "AES-GCM", iv, tagLength: TAG_BITS };
  if (aad?.length) params.additionalData = aad;
  const out = await subtle.encrypt(params, await aesKey(key, "encrypt"), plaintext);
  return new Uint8Array(out);
}

async function openSealed(key, iv, sealed, aad) {
  const params = { name: "AES-GCM", iv, tagLength: TAG_BITS };
  if (aad?.length) params.additionalData = aad;
  try {
    const out = await subtle.decrypt(params, await aesKey(key, "decrypt"), sealed);
    return new Uint8Array(out);
  } catch (_error) {
    throw new CSEError();
  }
}

/** HKDF-SHA512 (RFC 5869) of the data key, salted with the message id. */
async function hkdfSha512(ikm, salt, info, length) {
  const base = await subtle.importKey("raw", ikm, "HKDF", false, ["deriveBits"]);
  const bits = await subtle.deriveBits(
    { name: "HKDF", hash: "SHA-512", salt, info },
    base,
    length * 8,
  );
  return new Uint8Array(bits);
}

function suiteIdBytes(suite) {
  return new Uint8Array([(suite.id >> 8) & 0xff, suite.id & 0xff]);
}

/** The V3 suite's derived encryption key (32 bytes) and key commitment (28 bytes). */
export async function deriveKeys(dataKey, messageId) {
  const suite = SUITES[3];
  const id = suiteIdBytes(suite);
  const encryptionKey = await hkdfSha512(
    dataKey,
    messageId,
    concat(id, ascii("DERIVEKEY")),
    DATA_KEY_BYTES,
  );
  const commitment = await hkdfSha512(
    dataKey,
    messageId,
    concat(id, ascii("COMMITKEY")),
    COMMITMENT_BYTES,
  );
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
  const entries = [
    [CEK_ALG_V3, suite.contentAlg],
    [KEY_V3, b64encode(edk)],
  ];
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
export function parseEnvelope(meta) {
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
  const wrapAlg = Object.hasOwn(V3_WRAP_NAMES, code) ? V3_WRAP_NAMES[code] : null;
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
export function describe(meta) {
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
    throw new TypeError(`${CEK_ALG_CONTEXT_KEY} is reserved for the encryption client`);
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
    dataKey = await requestDataKey({
      endpoint: wrap.endpoint,
      keyId: wrap.keyId,
      version: suite.version,
      context: wrap.context,
      principal: wrap.principal,
    });
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
    return openSealed(
      toBytes(wrap.key),
      edk.subarray(0, IV_BYTES),
      edk.subarray(IV_BYTES),
      ascii(env.suite.contentAlg),
    );
  }
  // The stored context must name this object's content algorithm (no downgrade) and
  // otherwise be exactly the context the caller expects.
  const stored = env.context.filter(([k]) => k !== CEK_ALG_CONTEXT_KEY);
  const named = env.context.find(([k]) => k === CEK_ALG_CONTEXT_KEY);
  if (!named || named[1] !== env.suite.contentAlg) throw new CSEError();
  if (!sameMap(stored, kmsCallerContext(wrap))) throw new CSEError();
  let plaintextB64;
  try {
    plaintextB64 =
      typeof wrap.unwrapKey === "function"
        ? await wrap.unwrapKey(b64encode(env.encryptedDataKey), Object.fromEntries(env.context))
        : await decryptDataKey(wrap, env.encryptedDataKey, env.context);
  } catch (error) {
    if (error instanceof KMSError && KMS_CIPHERTEXT_ERRORS.has(error.code)) throw new CSEError();
    throw error;
  }
  const plaintext = typeof plaintextB64 === "string" ? b64decodeStrict(plaintextB64) : plaintextB64;
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
    entries = v3Entries(
      suite,
      dataKey.wrapAlg,
      dataKey.encrypted,
      messageId,
      commitment,
      dataKey.stored,
    );
  }
  return { body, meta: toHeaders(entries) };
}

/**
 * Encrypt in the browser. options: {version: 2|3 (default 3), wrap}. Returns
 * {body: Uint8Array, meta: {"x-amz-meta-x-amz-…": string}} to send with PutObject.
 */
export function encrypt(plaintext, options) {
  return encryptWithDraws(plaintext, options || {}, (_name, n) => randomBytes(n));
}

/**
 * Test hook: encrypt with every random draw pinned ({dataKey, wrapNonce, iv,
 * messageId}, each a Uint8Array), so a test can compare with the Python output byte
 * for byte. The second argument is either {version, wrap} or a wrap (then the
 * version is pins.version, default 3).
 */
export function encryptWith(plaintext, optionsOrWrap, pins) {
  const options = optionsOrWrap?.kind
    ? { version: pins?.version || 3, wrap: optionsOrWrap }
    : optionsOrWrap || {};
  const draw = (name, n) => {
    const value = pins?.[name];
    if (!value) throw new TypeError(`pinned draw missing: ${name}`);
    const bytes = toBytes(value, name);
    if (bytes.length !== n) throw new TypeError(`${name} must be ${n} bytes`);
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
export async function decrypt(body, meta, wrap, options) {
  requireSubtle();
  const data = toBytes(body, "body");
  checkWrap(wrap);
  const env = parseEnvelope(meta);
  if (options?.requireCommitment && !env.suite.committing) throw new CSEError();
  const expected = wrap.kind === "aes" ? WRAP_AES_GCM : WRAP_KMS_CONTEXT;
  if (env.wrapAlg !== expected) throw new CSEError();
  const dataKey = await unwrap(wrap, env);
  if (!env.suite.committing) return openSealed(dataKey, env.iv, data, null);
  const { encryptionKey, commitment } = await deriveKeys(dataKey, env.messageId);
  if (!constantTimeEqual(commitment, env.commitment)) throw new CSEError();
  return openSealed(encryptionKey, COMMITTING_IV, data, suiteIdBytes(env.suite));
}

export function generateKey() {
  return randomBytes(32);
}
