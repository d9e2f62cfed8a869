/*
 * Bytes, base64 and JSON as the S3 Encryption Client writes them: the small helpers
 * that format.js (the envelope and the cipher) and kms.js (the lab's KMS) share.
 */

const encoder = new TextEncoder();

export function ascii(text) {
  return encoder.encode(text);
}

export function toBytes(value, what) {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) {
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }
  throw new TypeError(`${what || "value"} must be a Uint8Array or an ArrayBuffer`);
}

export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export function randomBytes(n) {
  return window.crypto.getRandomValues(new Uint8Array(n));
}

export function constantTimeEqual(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i += 1) diff |= a[i] ^ b[i];
  return diff === 0;
}

/** Standard base64 with padding (works for large arrays: built in slices). */
export function b64encode(bytes) {
  const data = toBytes(bytes);
  const pieces = [];
  for (let i = 0; i < data.length; i += 0x8000) {
    pieces.push(String.fromCharCode.apply(null, data.subarray(i, i + 0x8000)));
  }
  return btoa(pieces.join(""));
}

const B64_STRICT = /^[A-Za-z0-9+/]*={0,2}$/;

/** Strict base64 (alphabet and padding checked, as Python's validate=True); null if bad. */
export function b64decodeStrict(text) {
  if (typeof text !== "string" || text.length % 4 !== 0 || !B64_STRICT.test(text)) return null;
  let binary;
  try {
    binary = atob(text);
  } catch (_error) {
    return null;
  }
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) out[i] = binary.charCodeAt(i);
  return out;
}

/**
 * A context or material description as json.dumps writes it: ", " and ": "
 * separators, insertion order, every character outside printable ASCII as \uXXXX.
 */
export function contextJson(pairs) {
  const quote = (s) =>
    JSON.stringify(s).replace(
      /[^\x20-\x7e]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
    );
  return `{${pairs.map(([k, v]) => `${quote(k)}: ${quote(v)}`).join(", ")}}`;
}

export function stringPairs(map, what) {
  if (map === undefined || map === null) return [];
  const entries = map instanceof Map ? Array.from(map.entries()) : Object.entries(map);
  for (const [k, v] of entries) {
    if (typeof k !== "string" || typeof v !== "string") {
      throw new TypeError(`${what} must map strings to strings`);
    }
  }
  return entries;
}

export function sameMap(pairsA, pairsB) {
  if (pairsA.length !== pairsB.length) return false;
  const b = new Map(pairsB);
  return pairsA.every(([k, v]) => b.has(k) && b.get(k) === v);
}
