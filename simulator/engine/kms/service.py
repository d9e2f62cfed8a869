"""``KMSService``: the simulated AWS KMS behind ``engine.kms(...)`` and behind S3.

Two doors lead in:

* ``call(action, params, principal=...)`` speaks the KMS JSON protocol: parameters
  and results are the protocol's JSON (blobs as base64 strings), failures raise
  ``KMSError`` with the ``__type`` code. Every call is counted and audited.
* ``resolve_key_for_s3``, ``generate_data_key`` and ``decrypt`` are what S3 calls on
  a caller's behalf (SSE-KMS, DSSE-KMS, bucket keys). They take and return bytes,
  are audited as the calling principal "invoked by" S3, and add trace steps.

Every request that touches a key goes through ``authorize``, which evaluates the key
policy and the caller's identity policies (``authorization``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .. import crypto, safejson
from ..audit import AuditLog
from ..context import Account
from ..crypto import Entropy
from ..errors import DecryptError, KMSError
from ..policy import account_of
from ..trace import KeyInPlay, Trace
from . import admin, aliases, authorization, cryptops, model, pricing, rotation, rules
from .blob import pack_header, parse_blob
from .calls import Call, Handler
from .context import canonical_context, validate_context
from .events import READ_ONLY_ACTIONS, loggable_params, response_elements
from .keystore import KeyStore

EVENT_SOURCE = "kms.amazonaws.com"
REQUEST_COUNTER_PREFIX = "kms.requests."

_HANDLERS: dict[str, Handler] = {
    **admin.HANDLERS,
    **aliases.HANDLERS,
    **rotation.HANDLERS,
    **cryptops.HANDLERS,
}


# Every operation of the KMS API (the botocore model kms/2014-11-01, 2026): those the
# lab has no handler for are real, just not simulated.
KMS_OPERATIONS = frozenset(
    {
        "CancelKeyDeletion", "ConnectCustomKeyStore", "CreateAlias", "CreateCustomKeyStore",
        "CreateGrant", "CreateKey", "Decapsulate", "Decrypt", "DeleteAlias",
        "DeleteCustomKeyStore", "DeleteImportedKeyMaterial", "DeriveSharedSecret",
        "DescribeCustomKeyStores", "DescribeKey", "DisableKey", "DisableKeyRotation",
        "DisconnectCustomKeyStore", "EnableKey", "EnableKeyRotation", "Encapsulate", "Encrypt",
        "GenerateDataKey", "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext",
        "GenerateDataKeyWithoutPlaintext", "GenerateMac", "GenerateRandom", "GetKeyLastUsage",
        "GetKeyPolicy", "GetKeyRotationStatus", "GetParametersForImport", "GetPublicKey",
        "ImportKeyMaterial", "ListAliases", "ListGrants", "ListKeyPolicies", "ListKeyRotations",
        "ListKeys", "ListResourceTags", "ListRetirableGrants", "PutKeyPolicy", "ReEncrypt",
        "ReplicateKey", "RetireGrant", "RevokeGrant", "RotateKeyOnDemand", "ScheduleKeyDeletion",
        "Sign", "TagResource", "UntagResource", "UpdateAlias", "UpdateCustomKeyStore",
        "UpdateKeyDescription", "UpdatePrimaryRegion", "Verify", "VerifyMac",
    }
)  # fmt: skip


def _unhandled(action: str) -> KMSError:
    """What KMS's JSON protocol answers for an ``X-Amz-Target`` it has no handler for.

    An action KMS does not have is ``UnknownOperationException`` (the protocol's error
    for an unknown target; KMS sends no message). An action KMS has but the lab does not
    simulate gets the same code, so every client handles it the same way, and a message
    that names it.
    NOTE: a departure from AWS, which would perform the operation; the message says so.
    """
    if action in KMS_OPERATIONS:
        return KMSError(
            "UnknownOperationException",
            f"The lab does not simulate the KMS operation {action}.",
            reason="operation_not_simulated",
        )
    return KMSError("UnknownOperationException", "", reason="unknown_operation")


@dataclass(frozen=True)
class DataKey:
    """A data key KMS made or unwrapped for S3."""

    plaintext: bytes  # in memory only, never stored
    ciphertext_blob: bytes  # self-describing: names the KMS key and its material version
    key_arn: str


def _readable(params: Any) -> bool:
    """Whether ``params`` is a JSON object KMS could have parsed.

    Nesting past ``safejson.MAX_DEPTH``, NaN, a lone surrogate or a huge number is no
    JSON KMS accepts: the whole request is a SerializationException, logged without its
    parameters, and nothing is changed.
    """
    if not isinstance(params, Mapping):
        return False
    try:
        safejson.check(dict(params))
    except safejson.UnsafeJSON:
        return False
    return True


class KMSService:
    """Simulated AWS KMS for one account: its keys, its audit events, IAM's say."""

    def __init__(self, account: Account, *, audit: AuditLog, iam: authorization.IAMForKMS) -> None:
        self.account = account
        self.audit = audit
        self.iam = iam
        self.keys = KeyStore(account)

    @property
    def entropy(self) -> Entropy:
        return self.account.entropy

    # ------------------------------------------------------------------ JSON API
    def call(
        self, action: str, params: dict[str, Any], *, principal: str, from_console: bool = False
    ) -> dict[str, Any]:
        handler = _HANDLERS.get(action)
        if handler is None:
            raise _unhandled(action)
        call = Call(action, principal, self.account.clock.now(), from_console=from_console)
        self._count(action)
        readable = _readable(params)
        try:
            if not readable:
                raise KMSError("SerializationException", "", reason="serialization_error")
            result = handler(self, call, dict(params))
        except KMSError as exc:
            self._audit(call, loggable_params(params) if readable else None, None, error=exc)
            raise
        self._audit(call, loggable_params(params), response_elements(action, result))
        return result

    def authorize(
        self,
        action: str,
        key_record: dict[str, Any] | None,
        principal: str,
        context: Mapping[str, str],
    ) -> Mapping[str, Any] | None:
        """Decide whether ``principal`` may perform ``kms:<action>`` on the key.

        ``context`` carries the request's condition keys (``kms:ViaService``,
        ``kms:EncryptionContext:<k>``, ...). Returns the decision, or raises
        ``AccessDeniedException`` (``authorization.AccessDenied``, which carries it).
        """
        return authorization.authorize(
            self.iam, self.account.clock.now(), action, key_record, principal, context
        )

    def _authorized(
        self,
        action: str,
        record: dict[str, Any],
        call: Call,
        context: Mapping[str, str],
        trace: Trace | None,
    ) -> None:
        """``authorize``, with the decision as a step when S3 made the call (a trace)."""
        keys = self._condition_keys(call, context)
        try:
            decision = self.authorize(action, record, call.principal, keys)
        except authorization.AccessDenied as denied:
            if trace is not None:
                authorization.record_step(trace, denied.decision)
            raise
        if trace is not None and decision is not None:
            authorization.record_step(trace, decision)

    # ------------------------------------------------------------------ shared by the operations
    def usable_key(
        self,
        call: Call,
        ref: str | None,
        context: Mapping[str, str],
        *,
        action: str | None = None,
        trace: Trace | None = None,
    ) -> dict[str, Any]:
        """The Enabled key to encrypt under (None means ``aws/s3``), authorized."""
        if ref is None:
            record = self.keys.ensure_aws_s3_key(call.now)
        else:
            record = self.keys.resolve(
                ref, call.now, allow_alias=True, caller_account=call.caller_account
            )
        call.touch(record)
        rules.require_enabled(record)
        self._authorized(action or call.action, record, call, context, trace)
        return record

    def seal(self, record: dict[str, Any], plaintext: bytes, context: Mapping[str, str]) -> bytes:
        material_id = record["CurrentKeyMaterialId"]
        material = self.keys.material(record, material_id)
        if material is None:  # pragma: no cover - a live key always has its current material
            raise KMSError(
                "KMSInternalException",
                "The key has no current material.",
                reason="no_current_material",
                status=500,
            )
        header = pack_header(record["KeyId"], material_id)
        nonce = self.account.entropy.random_bytes(crypto.NONCE_BYTES)
        return (
            header
            + nonce
            + crypto.seal(material, nonce, plaintext, header + canonical_context(context))
        )

    def open(
        self,
        call: Call,
        blob: bytes,
        context: Mapping[str, str],
        ref: str | None,
        *,
        action: str | None = None,
        trace: Trace | None = None,
    ) -> tuple[dict[str, Any], bytes]:
        """The key a ciphertext names, and its plaintext.

        A blob that is not one of ours, names no key of this account or fails
        authentication is ``InvalidCiphertextException`` with an empty message, as
        KMS answers ([LS]); the caller learns nothing about why.
        """
        parsed = parse_blob(blob)
        invalid = KMSError("InvalidCiphertextException", "", reason="invalid_ciphertext")
        if parsed is None:
            raise invalid
        record = self.keys.load(parsed.key_id, call.now)
        if record is None:
            raise invalid
        if record.get("Deleted"):
            raise KMSError(
                "NotFoundException", f"Key '{record['Arn']}' does not exist", reason="key_not_found"
            )
        if ref is not None:
            requested = self.keys.resolve(
                ref, call.now, allow_alias=True, caller_account=call.caller_account
            )
            if requested["KeyId"] != record["KeyId"]:
                raise KMSError(
                    "IncorrectKeyException",
                    "The key ID in the request does not identify a CMK that can perform this operation.",
                    reason="incorrect_key",
                )
        call.touch(record)
        rules.require_enabled(record)
        self._authorized(action or call.action, record, call, context, trace)
        material = self.keys.material(record, parsed.material_id)
        if material is None:
            raise invalid
        try:
            plaintext = crypto.open_sealed(
                material, parsed.nonce, parsed.sealed, parsed.header + canonical_context(context)
            )
        except DecryptError:
            raise invalid from None
        return record, plaintext

    def _condition_keys(self, call: Call, context: Mapping[str, str]) -> dict[str, str]:
        keys = {f"kms:EncryptionContext:{k}": v for k, v in context.items()}
        # The caller's own account (none for an anonymous caller), not the key's.
        caller_account = account_of(call.principal)
        if caller_account is not None:
            keys["kms:CallerAccount"] = caller_account
        if call.via_service:
            keys["kms:ViaService"] = call.via_service.replace(
                ".amazonaws.com", f".{self.account.region}.amazonaws.com"
            )
        return keys

    # ------------------------------------------------------------------ for S3
    def resolve_key_for_s3(self, key_ref: str | None, *, principal: str | None = None) -> str:
        """Full key ARN for an S3 request's key id header (None -> ``aws/s3``).

        Raises the KMS errors S3 relays (s3-facts §2): NotFoundException for an
        unknown or malformed id, DisabledException, KMSInvalidStateException. A bare
        key id or alias name resolves in ``principal``'s account (``KeyStore.resolve``);
        without a principal, in this one.
        """
        now = self.account.clock.now()
        if key_ref is None:
            record = self.keys.ensure_aws_s3_key(now)
        else:
            caller = account_of(principal) if principal is not None else None
            record = self.keys.resolve(key_ref, now, allow_alias=True, caller_account=caller)
        rules.require_enabled(record)
        return str(record["Arn"])

    def generate_data_key(
        self,
        key_ref: str | None,
        context: dict[str, str],
        *,
        principal: str,
        trace: Trace | None,
        via_service: str = "s3.amazonaws.com",
    ) -> DataKey:
        """GenerateDataKey (AES_256) on the caller's behalf; audited and traced."""
        call = Call("GenerateDataKey", principal, self.account.clock.now(), via_service)
        self._count(call.action)
        key_label = key_ref if key_ref is not None else model.AWS_S3_ALIAS
        try:
            context = validate_context(context)
            record = self.usable_key(call, key_ref, context, trace=trace)
            plaintext = crypto.new_key(self.account.entropy)
            blob = self.seal(record, plaintext, context)
        except KMSError as exc:
            event = self._audit(call, self._service_params(key_label, context), None, error=exc)
            if trace is not None:
                trace.add(
                    "kms.generate_data_key",
                    "kms",
                    event=event,
                    outcome=exc.code,
                    reason=exc.reason,
                    key_ref=key_label,
                    encryption_context=dict(context),
                    message=exc.message,
                )
            raise
        event = self._audit(call, self._service_params(record["Arn"], context), None)
        if trace is not None:
            trace.add(
                "kms.generate_data_key",
                "kms",
                keys=self._keys_in_play(record, plaintext, blob, via_service),
                event=event,
                key_arn=record["Arn"],
                key_material_id=record["CurrentKeyMaterialId"],
                encryption_context=dict(context),
                via_service=via_service,
            )
        return DataKey(plaintext, blob, record["Arn"])

    def decrypt(
        self,
        ciphertext_blob: bytes,
        context: dict[str, str],
        *,
        principal: str,
        trace: Trace | None,
        via_service: str = "s3.amazonaws.com",
    ) -> DataKey:
        """Decrypt a data key on the caller's behalf; the blob names its own key."""
        call = Call("Decrypt", principal, self.account.clock.now(), via_service)
        self._count(call.action)
        parsed = parse_blob(ciphertext_blob)
        named = self.keys.key_arn(parsed.key_id) if parsed is not None else None
        try:
            context = validate_context(context)
            record, plaintext = self.open(call, ciphertext_blob, context, None, trace=trace)
        except KMSError as exc:
            event = self._audit(
                call, self._service_params(named, context, decrypt=True), None, error=exc
            )
            if trace is not None:
                trace.add(
                    "kms.decrypt",
                    "kms",
                    event=event,
                    outcome=exc.code,
                    reason=exc.reason,
                    key_arn=named or "",
                    encryption_context=dict(context),
                    message=exc.message,
                )
            raise
        event = self._audit(call, self._service_params(record["Arn"], context, decrypt=True), None)
        if trace is not None:
            trace.add(
                "kms.decrypt",
                "kms",
                keys=self._keys_in_play(record, plaintext, ciphertext_blob, via_service),
                event=event,
                key_arn=record["Arn"],
                key_material_id=parsed.material_id if parsed is not None else "",
                encryption_context=dict(context),
                via_service=via_service,
            )
        return DataKey(plaintext, ciphertext_blob, record["Arn"])

    def describe(self, key_ref: str) -> dict[str, Any]:
        """``KeyMetadata`` of a key, for UIs (no audit event, no request counted)."""
        record = self.keys.resolve(key_ref, self.account.clock.now(), allow_alias=True)
        return model.key_metadata(record)

    @staticmethod
    def _service_params(
        key: str | None, context: Mapping[str, str], *, decrypt: bool = False
    ) -> dict[str, Any]:
        request: dict[str, Any] = {}
        if key is not None:
            request["keyId"] = key
        if decrypt:
            request["encryptionAlgorithm"] = "SYMMETRIC_DEFAULT"
        else:
            request["keySpec"] = "AES_256"
        request["encryptionContext"] = dict(context)
        return request

    @staticmethod
    def _keys_in_play(
        record: dict[str, Any], plaintext: bytes, blob: bytes, via_service: str
    ) -> tuple[KeyInPlay, ...]:
        caller = via_service.split(".", 1)[0] if via_service else "client"
        holder = caller if caller in ("s3", "client") else "client"
        return (
            KeyInPlay("KMS key", "kms_key", "kms", "reference", key_id=record["Arn"]),
            KeyInPlay("data key", "data_key", holder, "plaintext", crypto.fingerprint(plaintext)),
            KeyInPlay(
                "encrypted data key",
                "data_key",
                holder,
                "wrapped",
                crypto.fingerprint(blob),
                key_id=record["Arn"],
            ),
        )

    # ------------------------------------------------------------------ audit and counting
    def _count(self, action: str) -> None:
        self.account.next_sequence(REQUEST_COUNTER_PREFIX + action)

    def request_counts(self) -> dict[str, int]:
        """Requests served so far, by API name."""
        return {
            name[len(REQUEST_COUNTER_PREFIX) :]: int(record["value"])
            for name, record in self.account.store.scan("counter", prefix=REQUEST_COUNTER_PREFIX)
        }

    def _audit(
        self,
        call: Call,
        request_parameters: dict[str, Any] | None,
        response_elements: dict[str, Any] | None,
        *,
        error: KMSError | None = None,
    ) -> dict[str, Any]:
        resources = [
            {"accountId": self.account.account_id, "type": "AWS::KMS::Key", "ARN": arn}
            for arn in call.key_arns
        ]
        return self.audit.record(
            event_source=EVENT_SOURCE,
            event_name=call.action,
            principal=call.principal,
            request_parameters=request_parameters,
            response_elements=response_elements,
            resources=resources or None,
            invoked_by=call.via_service,
            error_code=error.code if error else None,
            error_message=error.message if error else None,
            read_only=call.action in READ_ONLY_ACTIONS,
            from_console=call.from_console,
        )

    # ------------------------------------------------------------------ cost
    def cost_estimate(self, month_hours: float = pricing.HOURS_PER_MONTH) -> dict[str, Any]:
        """What this sandbox's KMS use would cost; see ``pricing.estimate`` for the rules."""
        now = self.account.clock.now()
        return pricing.estimate(self.keys.live_keys(now), self.request_counts(), now, month_hours)
