"""Client-side encryption in the Amazon S3 Encryption Client formats V2 and V3.

    body, meta = cse.encrypt(b"secret", cse.AESWrap(key32))            # V3, AES/GCM wrap
    body, meta = cse.encrypt(b"secret", cse.KMSWrap(engine, key_id))   # V3, kms+context
    body, meta = cse.encrypt(b"secret", wrap, version=2)               # V2
    plain = cse.decrypt(body, meta, wrap)                              # CSEError on tampering
    cse.describe(meta)                                                 # the envelope, for the UI

The object is encrypted before it leaves the client; S3 stores the ciphertext as the
body and the envelope as user metadata. This docstring is the format specification
that other implementations (the browser's WebCrypto one) follow; it matches what the
official clients write (spec: aws-encryption-sdk-specification ``s3-encryption/``;
code: amazon-s3-encryption-client-python 4.0.0, amazon-s3-encryption-client-java).

Notation: ``b64`` is standard base64 with padding; ``AES-GCM(key, iv, aad, pt)`` is
AES-256-GCM returning ciphertext followed by the 16-byte tag; ``|`` concatenates;
``json`` is ``JSON.stringify``-like output with ``", "`` and ``": "`` separators and
non-ASCII escaped as ``\\uXXXX`` (readers must accept any valid JSON object of strings).

Envelope headers
    Sent as ``x-amz-meta-<name>``. S3 returns user metadata lower-cased, with or
    without the prefix depending on the client; readers match names case-insensitively
    and with or without the prefix. Unrelated metadata is ignored.

Common steps (both versions)
    1. Data key DK: 32 random bytes.
       * AES/GCM wrap with a 32-byte wrapping key KEK: wrap nonce N = 12 random bytes;
         EDK = N | AES-GCM(KEK, N, aad=ALG, DK), 60 bytes, where ALG is the ASCII
         content-algorithm string: ``AES/GCM/NoPadding`` for V2, ``115`` for V3.
         The stored map is the material description MD (default ``{}``).
       * kms+context: EC = the caller's encryption context plus
         ``"aws:x-amz-cek-alg": ALG``; DK and EDK come from KMS
         ``GenerateDataKey(KeyId, KeySpec=AES_256, EncryptionContext=EC)``
         (Plaintext, CiphertextBlob). The stored map is EC.
       The caller's key ``aws:x-amz-cek-alg`` is reserved.

V2 (suite 0x0072 ALG_AES_256_GCM_IV12_TAG16_NO_KDF)
    IV = 12 random bytes. body = AES-GCM(DK, IV, aad=empty, plaintext).
    Headers, in this order:
      x-amz-key-v2   b64(EDK)
      x-amz-wrap-alg ``AES/GCM`` | ``kms+context``
      x-amz-matdesc  json(MD or EC)
      x-amz-iv       b64(IV)
      x-amz-cek-alg  ``AES/GCM/NoPadding``
      x-amz-tag-len  ``128``

V3 (suite 0x0073 ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY, key committing)
    MID = 28 random bytes (the message id).
    PRK = HMAC-SHA512(key=MID, DK)                                  (HKDF extract)
    DEK = HKDF-Expand-SHA512(PRK, info=0x00 0x73 | "DERIVEKEY", 32)
    CK  = HKDF-Expand-SHA512(PRK, info=0x00 0x73 | "COMMITKEY", 28)
    body = AES-GCM(DEK, iv=twelve 0x01 bytes, aad=0x00 0x73, plaintext).
    Headers, in this order:
      x-amz-c  ``115``
      x-amz-3  b64(EDK)
      x-amz-m  json(MD)   AES/GCM wrap only, and only when MD is not empty
      x-amz-t  json(EC)   kms+context only
      x-amz-w  ``02`` (AES/GCM) | ``12`` (kms+context)    (``22`` = RSA, unsupported)
      x-amz-d  b64(CK)    the key commitment
      x-amz-i  b64(MID)

Decrypt
    1. Exactly one of ``x-amz-key-v2`` (V2) and ``x-amz-3`` (V3) must be present
       (``x-amz-key`` is V1, unsupported); keys of the other format must be absent;
       ``x-amz-cek-alg``/``x-amz-c``, ``x-amz-tag-len``, ``x-amz-wrap-alg``/``x-amz-w``
       must hold the values above; IV 12, MID 28 and CK 28 bytes.
    2. The wrap algorithm must be the caller's. Unwrap EDK:
       * AES/GCM: the stored MD must equal the caller's MD (the format does not
         authenticate it); EDK is 60 bytes; open with aad=ALG.
       * kms+context: the stored EC must hold ``aws:x-amz-cek-alg`` = ALG and otherwise
         equal the caller's context; KMS ``Decrypt(CiphertextBlob=EDK,
         EncryptionContext=stored EC, KeyId)``.
    3. V3: derive DEK and CK from DK and MID, and compare CK with ``x-amz-d`` in
       constant time before touching the body.
    4. Open the body (the last 16 bytes are the tag) with the key, IV and AAD above.
    Every failure is the same error (``CSEError``, a ``DecryptError``); a KMS refusal
    that is about the key's state or permissions (``DisabledException``,
    ``AccessDeniedException``, ``NotFoundException`` ...) is raised as the ``KMSError``.

Random draws, in order (what ``entropy`` yields, pinned by the known-answer tests):
AESWrap's DK then N, then the IV (V2) or MID (V3). KMSWrap's DK comes from KMS.

NOTE: unlike the official clients, the lab neither writes nor reads V1 objects,
instruction files, RSA wrapping or AES-CBC content, and does not undo S3's
RFC 2047 double encoding of non-ASCII metadata (the lab writes ASCII-only JSON).
"""

from __future__ import annotations

from .content import (
    COMMITTING_IV,
    decrypt,
    decrypt_stream,
    derive_keys,
    encrypt,
    encrypt_stream,
)
from .envelope import (
    CEK_ALG_CONTEXT_KEY,
    SUITE_V2,
    SUITE_V3,
    Envelope,
    EnvelopeView,
    Suite,
    describe,
    normalize,
    parse,
)
from .errors import CSEError
from .wraps import AESWrap, DataKey, KMSEndpoint, KMSWrap, Wrap

__all__ = [
    "CEK_ALG_CONTEXT_KEY",
    "COMMITTING_IV",
    "SUITE_V2",
    "SUITE_V3",
    "AESWrap",
    "CSEError",
    "DataKey",
    "Envelope",
    "EnvelopeView",
    "KMSEndpoint",
    "KMSWrap",
    "Suite",
    "Wrap",
    "decrypt",
    "decrypt_stream",
    "derive_keys",
    "describe",
    "encrypt",
    "encrypt_stream",
    "normalize",
    "parse",
]
