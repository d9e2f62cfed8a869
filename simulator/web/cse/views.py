"""Client-side encryption: the data-key endpoints the browser calls, and a workbench page.

With KMS wrapping, the browser asks the sandbox's KMS for a data key
(``GenerateDataKey``) before it encrypts, and to unwrap one (``Decrypt``) before it
decrypts. NOTE: KMS — here, the lab's server — therefore sees each object's data key,
exactly as AWS KMS does when the S3 Encryption Client calls it; it never sees the
object's plaintext, which is encrypted and decrypted in the browser (``static/js/cse/``).

Requests and responses speak the KMS JSON protocol's words: blobs are base64 strings,
errors are ``{"__type": <code>, "message": ...}`` with KMS's status.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse, RawPostDataException
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from simulator.engine import KMSError, cse, readmodel
from simulator.engine import vocabulary as v

from .. import jsoninput
from ..sandboxes import get_sandbox, open_engine, run_kms

# Who may call KMS from the lab's pages; anonymous is "*", as for S3.
SENDERS = ("alice", "bob", "anonymous")
# The content-algorithm string each format binds into the encryption context.
CONTENT_ALGORITHMS = {2: cse.SUITE_V2.content_alg, 3: cse.SUITE_V3.content_alg}
_MAX_BODY = 16 * 1024


class BadRequest(Exception):
    """A request the endpoint cannot even pass to KMS; answered as KMS answers it."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def principal_for(sender: str) -> str:
    account = str(getattr(settings, "LAB_ACCOUNT_ID", v.ACCOUNT_ID))
    return v.user_arn(sender, account)


def _error(code: str, message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"__type": code, "message": message}, status=status)


def _validation(message: str) -> BadRequest:
    return BadRequest("ValidationException", message)


def _unreadable(error: jsoninput.JSONInputError) -> BadRequest:
    if error.reason == error.NUL:
        # NOTE: KMS takes any Unicode text; the lab refuses U+0000 because its database
        # (PostgreSQL) cannot keep it in the audit event the call would leave.
        return _validation(
            gettext("The lab cannot keep the NUL character (U+0000): remove it and try again.")
        )
    message = {
        error.DEPTH: gettext("The request body is nested too deeply."),
        error.NUMBER: gettext("NaN, Infinity and numbers out of range are not valid JSON."),
        error.SURROGATE: gettext("The request body holds a lone surrogate, which is not text."),
    }.get(error.reason, "The request body is not valid JSON.")
    return BadRequest("SerializationException", message)


def _payload(request: HttpRequest) -> dict[str, Any]:
    # Only a JSON body, as static/js/cse/kms.js sends it. A form body is parsed by Django's CSRF check
    # before the view runs, and its raw bytes are then gone.
    if request.content_type != "application/json":
        raise BadRequest(
            "SerializationException", "The request body must be JSON (application/json)."
        )
    try:
        body = request.body
    except RawPostDataException:
        raise BadRequest("SerializationException", "The request body is not valid JSON.") from None
    if len(body) > _MAX_BODY:
        raise _validation("The request body is too large.")
    try:
        data = jsoninput.loads(body or b"{}")
    except jsoninput.JSONInputError as error:
        raise _unreadable(error) from None
    if not isinstance(data, dict):
        raise BadRequest("SerializationException", "The request body must be a JSON object.")
    return data


def _string_map(value: Any, field: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise BadRequest("SerializationException", f"{field} must map strings to strings.")
    return dict(value)


def _principal(data: dict[str, Any]) -> str:
    sender = data.get("Principal") or "alice"
    if not isinstance(sender, str):
        raise BadRequest("SerializationException", "Principal must be a string.")
    if sender not in SENDERS:
        raise _validation(
            f"1 validation error detected: Value '{sender}' at 'principal' failed to satisfy "
            f"constraint: Member must satisfy enum value set: [{', '.join(SENDERS)}]"
        )
    return principal_for(str(sender))


def _required_string(data: dict[str, Any], field: str) -> str:
    value = data.get(field)
    if not isinstance(value, str) or not value:
        raise _validation(
            f"1 validation error detected: Value at '{field[0].lower() + field[1:]}' failed to "
            "satisfy constraint: Member must not be null"
        )
    return value


def _kms_json(view: Any) -> Any:
    """Run ``view`` and turn KMS errors and bad input into KMS-shaped JSON errors."""

    def wrapped(request: HttpRequest, sandbox_id: uuid.UUID) -> HttpResponse:
        sandbox = get_sandbox(request, sandbox_id)
        try:
            result: dict[str, Any] = view(request, sandbox, _payload(request))
        except BadRequest as error:
            return _error(error.code, error.message)
        except KMSError as error:
            return _error(error.code, error.message, error.status)
        response = JsonResponse(result)
        response["Cache-Control"] = "no-store"
        return response

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@require_POST
@_kms_json
def data_key(request: HttpRequest, sandbox: Any, data: dict[str, Any]) -> dict[str, Any]:
    """``GenerateDataKey`` (AES_256) for a browser-side CSE upload.

    The encryption context is the caller's pairs plus ``aws:x-amz-cek-alg`` with the
    content algorithm of the chosen format (``AES/GCM/NoPadding`` for V2, ``115`` for
    V3), as the S3 Encryption Client builds it.
    """
    key_id = _required_string(data, "KeyId")
    version = data.get("Version", 3)
    # Only a JSON integer: a list or an object is not a key of CONTENT_ALGORITHMS at all,
    # true would equal 1 and 3.0 would equal 3.
    if type(version) is not int or version not in CONTENT_ALGORITHMS:
        raise _validation("Version must be 2 or 3 (the S3 Encryption Client's V2 or V3 format).")
    context = _string_map(data.get("EncryptionContext"), "EncryptionContext")
    if cse.CEK_ALG_CONTEXT_KEY in context:
        raise _validation(f"{cse.CEK_ALG_CONTEXT_KEY} is reserved for the encryption client.")
    context[cse.CEK_ALG_CONTEXT_KEY] = CONTENT_ALGORITHMS[version]
    result = run_kms(
        sandbox,
        "GenerateDataKey",
        {"KeyId": key_id, "KeySpec": "AES_256", "EncryptionContext": context},
        principal=_principal(data),
    )
    return {
        "Plaintext": result["Plaintext"],
        "CiphertextBlob": result["CiphertextBlob"],
        "KeyId": result["KeyId"],
        "EncryptionContext": context,
    }


@require_POST
@_kms_json
def decrypt_key(request: HttpRequest, sandbox: Any, data: dict[str, Any]) -> dict[str, Any]:
    """``Decrypt`` of a CSE object's wrapped data key, with the context stored beside it.

    Only client-side-encryption data keys are unwrapped here: the context must carry
    ``aws:x-amz-cek-alg``, so this endpoint cannot be used to unwrap SSE-KMS data keys.
    """
    blob = _required_string(data, "CiphertextBlob")
    context = _string_map(data.get("EncryptionContext"), "EncryptionContext")
    if context.get(cse.CEK_ALG_CONTEXT_KEY) not in CONTENT_ALGORITHMS.values():
        raise _validation(
            f"The encryption context must hold {cse.CEK_ALG_CONTEXT_KEY}: this endpoint "
            "unwraps client-side encryption data keys only."
        )
    params: dict[str, Any] = {"CiphertextBlob": blob, "EncryptionContext": context}
    key_id = data.get("KeyId")
    if key_id is not None:
        params["KeyId"] = _required_string(data, "KeyId")
    result = run_kms(sandbox, "Decrypt", params, principal=_principal(data))
    return {"Plaintext": result["Plaintext"], "KeyId": result["KeyId"]}


def _kms_keys(sandbox: Any) -> list[dict[str, str]]:
    """The sandbox's customer managed keys, for the workbench's key picker (read only):
    each under its first alias, a key without one under its id; AWS managed keys
    (named only by ``alias/aws/...``) are left out."""
    engine = open_engine(sandbox)
    try:
        listed = sorted(readmodel.kms_keys(engine), key=lambda k: k.key_id)
    except KMSError:
        return []
    aliases = readmodel.kms_aliases(engine)
    names: dict[str, str] = {}
    for alias in aliases:
        if alias.target_key_id and not alias.aws_managed:
            names.setdefault(alias.target_key_id, alias.name)
    keys: list[dict[str, str]] = []
    for key in listed:
        aliased = any(a.target_key_id == key.key_id for a in aliases)
        if key.key_id in names or not aliased:
            keys.append({"id": key.key_id, "label": names.get(key.key_id, key.key_id)})
    return keys


@require_GET
def workbench(request: HttpRequest, sandbox_id: uuid.UUID) -> HttpResponse:
    """Encrypt a file in the browser, see the envelope, decrypt it again: nothing is stored."""
    sandbox = get_sandbox(request, sandbox_id)
    return render(
        request,
        "web/cse/workbench.html",
        {"sandbox": sandbox, "kms_keys": _kms_keys(sandbox), "senders": SENDERS},
    )
