"""Wrapping keys: who holds the key that protects each object's data key.

``AESWrap`` is a 256-bit key the learner holds (wrap algorithm ``AES/GCM``);
``KMSWrap`` asks the engine's KMS for the data key (``kms+context``). Both produce a
fresh data key per object together with its wrapped form and the map that is stored
beside it (material description or encryption context), and recover the data key
from those on decrypt.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..crypto import Entropy, SystemEntropy, open_sealed, seal
from ..errors import DecryptError, KMSError
from .envelope import CEK_ALG_CONTEXT_KEY, IV_BYTES, WRAP_AES_GCM, WRAP_KMS_CONTEXT, Suite
from .errors import CSEError

DATA_KEY_BYTES = 32
WRAPPING_KEY_BYTES = 32
_GCM_TAG_BYTES = 16

# KMS errors that say "this ciphertext, context or key does not fit": the object or its
# envelope is wrong, so they become the one decryption error. Any other KMS error (a
# disabled or deleted key, a denied request) is about the key's state and is raised as
# it is, so the learner sees why KMS refused.
_KMS_CIPHERTEXT_ERRORS = frozenset({"InvalidCiphertextException", "IncorrectKeyException"})


@dataclass(frozen=True)
class DataKey:
    """A fresh data key, its wrapped form, and the map stored beside it."""

    plaintext: bytes = field(repr=False)
    encrypted: bytes
    stored_context: dict[str, str]


class Wrap(Protocol):
    """What ``encrypt`` and ``decrypt`` need of a wrapping key."""

    @property
    def wrap_algorithm(self) -> str: ...

    def default_entropy(self) -> Entropy: ...

    def new_data_key(self, suite: Suite, entropy: Entropy) -> DataKey: ...

    def unwrap(
        self, suite: Suite, encrypted: bytes, stored_context: Mapping[str, str]
    ) -> bytes: ...


class KMSEndpoint(Protocol):
    """The slice of ``Engine`` that ``KMSWrap`` uses."""

    entropy: Entropy

    def kms(
        self, action: str, params: dict[str, Any] | None = None, *, principal: str | None = None
    ) -> dict[str, Any]: ...


def _check_string_map(name: str, value: Mapping[str, str]) -> dict[str, str]:
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise ValueError(f"{name} must map strings to strings")
    return dict(value)


class AESWrap:
    """A local 256-bit wrapping key: ``x-amz-wrap-alg: AES/GCM`` (V3 code ``02``).

    The wrapped key is ``nonce (12) | AES-256-GCM(wrapping key, data key)`` with the
    suite's content-algorithm string as AAD, exactly as the official clients write it.
    The material description is not authenticated by that format, so decrypt insists
    that the stored one equals this wrap's: an edited description is refused.
    """

    wrap_algorithm = WRAP_AES_GCM

    def __init__(
        self,
        key: bytes,
        material_description: Mapping[str, str] | None = None,
        *,
        entropy: Entropy | None = None,
    ) -> None:
        if not isinstance(key, bytes | bytearray) or len(key) != WRAPPING_KEY_BYTES:
            raise ValueError("an AES wrapping key must be 32 bytes (AES-256)")
        self._key = bytes(key)
        self.material_description = _check_string_map(
            "material_description", material_description or {}
        )
        self._entropy = entropy

    def __repr__(self) -> str:
        return f"AESWrap(material_description={self.material_description!r})"

    def default_entropy(self) -> Entropy:
        return self._entropy if self._entropy is not None else SystemEntropy()

    def new_data_key(self, suite: Suite, entropy: Entropy) -> DataKey:
        data_key = entropy.random_bytes(DATA_KEY_BYTES)
        nonce = entropy.random_bytes(IV_BYTES)
        wrapped = nonce + seal(self._key, nonce, data_key, suite.content_alg.encode("ascii"))
        return DataKey(data_key, wrapped, dict(self.material_description))

    def unwrap(self, suite: Suite, encrypted: bytes, stored_context: Mapping[str, str]) -> bytes:
        if dict(stored_context) != self.material_description:
            raise CSEError()
        if len(encrypted) != IV_BYTES + DATA_KEY_BYTES + _GCM_TAG_BYTES:
            raise CSEError()
        aad = suite.content_alg.encode("ascii")
        try:
            return open_sealed(self._key, encrypted[:IV_BYTES], encrypted[IV_BYTES:], aad)
        except DecryptError:
            raise CSEError() from None


class KMSWrap:
    """A KMS key of the engine: ``x-amz-wrap-alg: kms+context`` (V3 code ``12``).

    The data key comes from ``GenerateDataKey`` under an encryption context of the
    caller's pairs plus ``aws:x-amz-cek-alg`` (the content algorithm), and that context
    is stored with the object; KMS binds it, so editing it makes ``Decrypt`` fail.
    Randomness for the IV or message id defaults to the engine's, so a seeded engine
    gives repeatable objects.
    """

    wrap_algorithm = WRAP_KMS_CONTEXT

    def __init__(
        self,
        engine: KMSEndpoint,
        key_id: str,
        encryption_context: Mapping[str, str] | None = None,
        *,
        principal: str | None = None,
    ) -> None:
        context = _check_string_map("encryption_context", encryption_context or {})
        if CEK_ALG_CONTEXT_KEY in context:
            raise ValueError(f"{CEK_ALG_CONTEXT_KEY} is reserved for the encryption client")
        self.engine = engine
        self.key_id = key_id
        self.encryption_context = context
        self.principal = principal

    def __repr__(self) -> str:
        return f"KMSWrap(key_id={self.key_id!r}, encryption_context={self.encryption_context!r})"

    def default_entropy(self) -> Entropy:
        return self.engine.entropy

    def new_data_key(self, suite: Suite, entropy: Entropy) -> DataKey:
        context = {**self.encryption_context, CEK_ALG_CONTEXT_KEY: suite.content_alg}
        result = self.engine.kms(
            "GenerateDataKey",
            {"KeyId": self.key_id, "KeySpec": "AES_256", "EncryptionContext": dict(context)},
            principal=self.principal,
        )
        plaintext = base64.b64decode(result["Plaintext"])
        if len(plaintext) != DATA_KEY_BYTES:
            raise ValueError("KMS returned a data key that is not 256 bits")
        return DataKey(plaintext, base64.b64decode(result["CiphertextBlob"]), context)

    def unwrap(self, suite: Suite, encrypted: bytes, stored_context: Mapping[str, str]) -> bytes:
        stored = dict(stored_context)
        # The stored context must name this object's content algorithm (no downgrade)
        # and otherwise be exactly the context this wrap was asked to expect.
        if stored.pop(CEK_ALG_CONTEXT_KEY, None) != suite.content_alg:
            raise CSEError()
        if stored != self.encryption_context:
            raise CSEError()
        try:
            result = self.engine.kms(
                "Decrypt",
                {
                    "CiphertextBlob": base64.b64encode(encrypted).decode("ascii"),
                    "EncryptionContext": dict(stored_context),
                    "KeyId": self.key_id,
                },
                principal=self.principal,
            )
        except KMSError as error:
            if error.code in _KMS_CIPHERTEXT_ERRORS:
                raise CSEError() from None
            raise
        try:
            plaintext = base64.b64decode(result["Plaintext"], validate=True)
        except (binascii.Error, KeyError, TypeError):
            raise CSEError() from None
        if len(plaintext) != DATA_KEY_BYTES:
            raise CSEError()
        return plaintext
