"""The envelope: the ``x-amz-meta-x-amz-*`` headers that carry everything but the body.

This module knows the header names and values of the V2 and V3 formats, turns the
metadata S3 hands back (any case, with or without the ``x-amz-meta-`` prefix) into a
validated ``Envelope``, and builds the headers a PutObject sends. It does no
cryptography; ``describe`` gives the disk inspector a structured view of an envelope.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import safejson
from .errors import CSEError

META_PREFIX = "x-amz-meta-"

# V1 (legacy, read by nobody here) and V2 map keys, as stored without the S3 prefix.
KEY_V1 = "x-amz-key"
KEY_V2 = "x-amz-key-v2"
IV = "x-amz-iv"
CEK_ALG = "x-amz-cek-alg"
WRAP_ALG = "x-amz-wrap-alg"
TAG_LEN = "x-amz-tag-len"
MATDESC = "x-amz-matdesc"
UNENCRYPTED_LENGTH = "x-amz-unencrypted-content-length"

# V3 map keys: one letter each, because user metadata is limited to 2 KB per object.
CEK_ALG_V3 = "x-amz-c"
KEY_V3 = "x-amz-3"
MATDESC_V3 = "x-amz-m"
CONTEXT_V3 = "x-amz-t"
WRAP_ALG_V3 = "x-amz-w"
COMMITMENT_V3 = "x-amz-d"
MESSAGE_ID_V3 = "x-amz-i"

INSTRUCTION_FILE = "x-amz-crypto-instr-file"

V2_KEYS = (KEY_V2, WRAP_ALG, MATDESC, IV, CEK_ALG, TAG_LEN)
V3_KEYS = (CEK_ALG_V3, KEY_V3, MATDESC_V3, CONTEXT_V3, WRAP_ALG_V3, COMMITMENT_V3, MESSAGE_ID_V3)
ENVELOPE_KEYS = frozenset((KEY_V1, UNENCRYPTED_LENGTH, INSTRUCTION_FILE, *V2_KEYS, *V3_KEYS))

WRAP_AES_GCM = "AES/GCM"
WRAP_KMS_CONTEXT = "kms+context"
# V3 writes the wrapping algorithm as a two-digit code.
V3_WRAP_CODES = {WRAP_AES_GCM: "02", WRAP_KMS_CONTEXT: "12", "RSA-OAEP-SHA1": "22"}
V3_WRAP_NAMES = {code: name for name, code in V3_WRAP_CODES.items()}

# The reserved encryption-context key the client adds for kms+context; it binds the
# content algorithm to the wrapped key, so a V3 object cannot be relabelled as V2.
CEK_ALG_CONTEXT_KEY = "aws:x-amz-cek-alg"

TAG_BITS = 128
IV_BYTES = 12
MESSAGE_ID_BYTES = 28
COMMITMENT_BYTES = 28


@dataclass(frozen=True)
class Suite:
    """An algorithm suite of the S3 Encryption Client.

    ``content_alg`` is the value written as ``x-amz-cek-alg`` (V2) or ``x-amz-c`` (V3);
    it is also the AAD of an AES/GCM-wrapped data key and the ``aws:x-amz-cek-alg``
    value of a kms+context encryption context.
    """

    suite_id: int
    name: str
    content_alg: str
    committing: bool

    @property
    def id_bytes(self) -> bytes:
        return self.suite_id.to_bytes(2, "big")


SUITE_V2 = Suite(0x0072, "ALG_AES_256_GCM_IV12_TAG16_NO_KDF", "AES/GCM/NoPadding", False)
SUITE_V3 = Suite(0x0073, "ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY", "115", True)


@dataclass(frozen=True)
class Envelope:
    """A validated envelope. ``context`` is the material description (AES/GCM) or the
    KMS encryption context (kms+context) as stored; ``headers`` are the envelope's own
    map keys, lower-case and without the ``x-amz-meta-`` prefix."""

    version: int
    suite: Suite
    wrap_alg: str
    encrypted_data_key: bytes
    context: dict[str, str]
    headers: dict[str, str]
    iv: bytes | None = None
    message_id: bytes | None = None
    commitment: bytes | None = None


def normalize(meta: Mapping[str, str]) -> dict[str, str]:
    """The envelope map keys of ``meta``: names lower-cased, the S3 prefix removed.

    Unrelated headers and metadata are dropped. One key given twice with different
    values (say with and without the prefix) is a malformed envelope.
    """
    found: dict[str, str] = {}
    # The metadata may come back from a store or a client that was not this engine: any
    # shape but a map of strings is a bad envelope, never another exception.
    if not isinstance(meta, Mapping):
        raise CSEError()
    for raw_name, value in meta.items():
        if not isinstance(raw_name, str):
            raise CSEError()
        name = raw_name.lower()
        if name.startswith(META_PREFIX):
            name = name[len(META_PREFIX) :]
        if name not in ENVELOPE_KEYS:
            continue
        if not isinstance(value, str):
            raise CSEError()
        if name in found and found[name] != value:
            raise CSEError()
        found[name] = value
    return found


def to_headers(entries: Mapping[str, str]) -> dict[str, str]:
    """The envelope as the user-metadata headers a PutObject sends."""
    return {META_PREFIX + name: value for name, value in entries.items()}


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def context_json(context: Mapping[str, str]) -> str:
    """A context or material description as the official Python client writes it.

    ``json.dumps`` with its default separators and ASCII escapes: any non-ASCII text
    becomes ``\\uXXXX``, so the value survives S3's ASCII-only metadata unchanged.
    """
    return json.dumps(dict(context))


def v2_entries(
    suite: Suite, wrap_alg: str, edk: bytes, iv: bytes, context: Mapping[str, str]
) -> dict[str, str]:
    return {
        KEY_V2: b64(edk),
        WRAP_ALG: wrap_alg,
        MATDESC: context_json(context),
        IV: b64(iv),
        CEK_ALG: suite.content_alg,
        TAG_LEN: str(TAG_BITS),
    }


def v3_entries(
    suite: Suite,
    wrap_alg: str,
    edk: bytes,
    message_id: bytes,
    commitment: bytes,
    context: Mapping[str, str],
) -> dict[str, str]:
    entries = {CEK_ALG_V3: suite.content_alg, KEY_V3: b64(edk)}
    # The material description is written only when there is one; an encryption
    # context always has at least aws:x-amz-cek-alg.
    if wrap_alg == WRAP_KMS_CONTEXT:
        entries[CONTEXT_V3] = context_json(context)
    elif context:
        entries[MATDESC_V3] = context_json(context)
    entries[WRAP_ALG_V3] = V3_WRAP_CODES[wrap_alg]
    entries[COMMITMENT_V3] = b64(commitment)
    entries[MESSAGE_ID_V3] = b64(message_id)
    return entries


def _b64decode(value: str) -> bytes:
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise CSEError() from None


def _parse_context(value: str | None) -> dict[str, str]:
    if value is None:
        return {}
    try:
        # Bounded: deep nesting, NaN or a lone surrogate is a bad envelope, not a crash.
        parsed: Any = safejson.loads(value)
    except safejson.UnsafeJSON:
        raise CSEError() from None
    if not isinstance(parsed, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in parsed.items()
    ):
        raise CSEError()
    return dict(parsed)


def parse(meta: Mapping[str, str]) -> Envelope:
    """Validate an envelope. Anything but a well-formed V2 or V3 envelope is ``CSEError``.

    The rules follow the S3 Encryption Client specification: the key names select the
    format (``x-amz-key-v2`` V2, ``x-amz-3`` V3), the format-exclusive keys may not be
    mixed, and every value must be one this format can have.
    """
    entries = normalize(meta)
    present = [k for k in (KEY_V1, KEY_V2, KEY_V3) if k in entries]
    if len(present) != 1:
        # None: not an S3EC object, or its envelope is in an instruction file (not
        # supported here). Several: a format-confusion attempt.
        raise CSEError()
    if present[0] == KEY_V2:
        return _parse_v2(entries)
    if present[0] == KEY_V3:
        return _parse_v3(entries)
    # NOTE: V1 (x-amz-key, AES-CBC or legacy wrapping) is unauthenticated; the lab
    # neither writes nor reads it, as the official v4 clients refuse it by default.
    raise CSEError()


def _parse_v2(entries: dict[str, str]) -> Envelope:
    if any(k in entries for k in (*V3_KEYS, UNENCRYPTED_LENGTH)):
        raise CSEError()
    for required in (KEY_V2, IV, CEK_ALG, WRAP_ALG, TAG_LEN):
        if required not in entries:
            raise CSEError()
    if entries[CEK_ALG] != SUITE_V2.content_alg or entries[TAG_LEN] != str(TAG_BITS):
        raise CSEError()
    wrap_alg = entries[WRAP_ALG]
    if wrap_alg not in (WRAP_AES_GCM, WRAP_KMS_CONTEXT):
        raise CSEError()
    iv = _b64decode(entries[IV])
    if len(iv) != IV_BYTES:
        raise CSEError()
    return Envelope(
        version=2,
        suite=SUITE_V2,
        wrap_alg=wrap_alg,
        encrypted_data_key=_b64decode(entries[KEY_V2]),
        context=_parse_context(entries.get(MATDESC)),
        headers=entries,
        iv=iv,
    )


def _parse_v3(entries: dict[str, str]) -> Envelope:
    if any(k in entries for k in (*V2_KEYS, UNENCRYPTED_LENGTH)):
        raise CSEError()
    for required in (CEK_ALG_V3, KEY_V3, WRAP_ALG_V3, COMMITMENT_V3, MESSAGE_ID_V3):
        if required not in entries:
            raise CSEError()
    if entries[CEK_ALG_V3] != SUITE_V3.content_alg:
        raise CSEError()
    wrap_alg = V3_WRAP_NAMES.get(entries[WRAP_ALG_V3])
    if wrap_alg not in (WRAP_AES_GCM, WRAP_KMS_CONTEXT):
        raise CSEError()
    # Each wrapping algorithm has its own context key; the other one must be absent.
    own, other = (
        (CONTEXT_V3, MATDESC_V3) if wrap_alg == WRAP_KMS_CONTEXT else (MATDESC_V3, CONTEXT_V3)
    )
    if other in entries:
        raise CSEError()
    message_id = _b64decode(entries[MESSAGE_ID_V3])
    commitment = _b64decode(entries[COMMITMENT_V3])
    if len(message_id) != MESSAGE_ID_BYTES or len(commitment) != COMMITMENT_BYTES:
        raise CSEError()
    return Envelope(
        version=3,
        suite=SUITE_V3,
        wrap_alg=wrap_alg,
        encrypted_data_key=_b64decode(entries[KEY_V3]),
        context=_parse_context(entries.get(own)),
        headers=entries,
        message_id=message_id,
        commitment=commitment,
    )


# --------------------------------------------------------------------------- describe


@dataclass(frozen=True)
class EnvelopeView:
    """What the disk inspector shows of a client-side encrypted object's envelope.

    Everything here is already public: S3 stores it in clear as user metadata. The
    data key appears only wrapped.
    """

    version: int
    suite_id: int
    suite_name: str
    content_algorithm: str
    key_committing: bool
    wrap_algorithm: str
    wrap_algorithm_header: str
    wrapped_key_length: int
    wrapped_key_hex: str
    tag_length_bits: int
    iv_hex: str | None
    message_id_hex: str | None
    commitment_hex: str | None
    material_description: dict[str, str]
    encryption_context: dict[str, str]
    headers: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "suite_id": self.suite_id,
            "suite_name": self.suite_name,
            "content_algorithm": self.content_algorithm,
            "key_committing": self.key_committing,
            "wrap_algorithm": self.wrap_algorithm,
            "wrap_algorithm_header": self.wrap_algorithm_header,
            "wrapped_key_length": self.wrapped_key_length,
            "wrapped_key_hex": self.wrapped_key_hex,
            "tag_length_bits": self.tag_length_bits,
            "iv_hex": self.iv_hex,
            "message_id_hex": self.message_id_hex,
            "commitment_hex": self.commitment_hex,
            "material_description": dict(self.material_description),
            "encryption_context": dict(self.encryption_context),
            "headers": dict(self.headers),
        }


def describe(meta: Mapping[str, str]) -> EnvelopeView:
    """A structured view of a V2 or V3 envelope; ``CSEError`` if ``meta`` holds none."""
    env = parse(meta)
    kms = env.wrap_alg == WRAP_KMS_CONTEXT
    return EnvelopeView(
        version=env.version,
        suite_id=env.suite.suite_id,
        suite_name=env.suite.name,
        content_algorithm=env.suite.content_alg,
        key_committing=env.suite.committing,
        wrap_algorithm=env.wrap_alg,
        wrap_algorithm_header=env.headers[WRAP_ALG if env.version == 2 else WRAP_ALG_V3],
        wrapped_key_length=len(env.encrypted_data_key),
        wrapped_key_hex=env.encrypted_data_key.hex(),
        tag_length_bits=TAG_BITS,
        iv_hex=env.iv.hex() if env.iv is not None else None,
        message_id_hex=env.message_id.hex() if env.message_id is not None else None,
        commitment_hex=env.commitment.hex() if env.commitment is not None else None,
        material_description={} if kms else dict(env.context),
        encryption_context=dict(env.context) if kms else {},
        headers=to_headers(env.headers),
    )
