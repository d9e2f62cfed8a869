"""The same request from the AWS CLI and boto3 — never with the real SSE-C key.

An SSE-C key is shown as a file the learner keeps (``fileb://key.bin`` / ``key.bin``);
the CLI and boto3 base64-encode it and compute its MD5 themselves.

The commands are sent to the sandbox's own endpoint: through the profile the Connect
page sets up (``lab-<sandbox>-<user>``, whose ``services`` section names the endpoint;
``clients.names``), signed as the trace's user. A request without credentials uses the
sandbox's profile without keys (``lab-<sandbox>``) and sends no signature. A rendered
trace is kept by trace and language, never by the address it was read from, so the
commands name the profile rather than the host.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from simulator.engine import hosting, trace, vocabulary

from ...clients.names import profile_name, services_name

SSE = "x-amz-server-side-encryption"
CUSTOMER = SSE + "-customer-"
COPY_CUSTOMER = "x-amz-copy-source-server-side-encryption-customer-"


@dataclass(frozen=True)
class Commands:
    cli: str  # empty when the AWS CLI cannot make the request (client-side encryption)
    boto3: str
    cse: bool = False  # the body was encrypted by the client: boto3 is the S3 Encryption Client
    cse_wrap: str = ""  # kms | aes: what wrapped the data key


# The envelope headers the Amazon S3 Encryption Client writes (s3-facts §6): V3, V2, V1.
CSE_ENVELOPE = ("x-amz-meta-x-amz-3", "x-amz-meta-x-amz-key-v2", "x-amz-meta-x-amz-key")


def _cse_wrap(h: dict[str, str]) -> str:
    wrap = h.get("x-amz-meta-x-amz-w") or h.get("x-amz-meta-x-amz-wrap-alg") or ""
    return "kms" if wrap in ("12", "kms", "kms+context") else "aes"


def _profile(principal: str, sandbox_id: str) -> str:
    """The profile a client signs with for ``principal``: the user's own, or (the account
    root, another account) alice's; "" for an anonymous request or without a sandbox."""
    if principal in ("", vocabulary.ANONYMOUS) or not sandbox_id:
        return ""
    user = principal.rsplit("/", 1)[-1] if ":user/" in principal else vocabulary.ALICE
    return profile_name(sandbox_id, user)


def _session(profile: str) -> str:
    return f'boto3.Session(profile_name="{profile}")' if profile else "boto3"


def _cse_put(
    bucket: str, key: str, h: dict[str, str], principal: str, sandbox_id: str = ""
) -> Commands:
    """A client-side encrypted PutObject: the AWS CLI cannot make it; the Amazon S3
    Encryption Client for Python (``s3_encryption``, a boto3 plugin) can."""
    v2 = "x-amz-meta-x-amz-key-v2" in h
    lines = [
        "import boto3",
        "from s3_encryption import S3EncryptionClient, S3EncryptionClientConfig",
        "from s3_encryption.materials.kms_keyring import KmsKeyring",
    ]
    if v2:
        lines.append(
            "from s3_encryption.materials.materials import AlgorithmSuite, CommitmentPolicy"
        )
    session = _session(_profile(principal, sandbox_id))
    lines += [
        "",
        'KMS_KEY_ARN = "arn:aws:kms:…"  # a customer managed key of yours',
        f'keyring = KmsKeyring(kms_client={session}.client("kms"), kms_key_id=KMS_KEY_ARN)',
    ]
    if v2:
        lines += [
            "config = S3EncryptionClientConfig(",
            "    keyring=keyring,",
            "    encryption_algorithm=AlgorithmSuite.ALG_AES_256_GCM_IV12_TAG16_NO_KDF,",
            "    commitment_policy=CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT,",
            ")",
        ]
    else:
        lines.append("config = S3EncryptionClientConfig(keyring=keyring)  # V3, key committing")
    lines += [
        f's3ec = S3EncryptionClient(wrapped_s3_client={session}.client("s3"), config=config)',
        "response = s3ec.put_object(",
        f"    Bucket={_py(bucket)},",
        f"    Key={_py(key)},",
        '    Body=open("file.bin", "rb").read(),  # the plaintext: the client encrypts it',
        ")",
    ]
    return Commands("", "\n".join(lines), cse=True, cse_wrap=_cse_wrap(h))


def _kebab(operation: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", operation).lower().replace("-v2", "-v2")


def _snake(operation: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()


def infer_operation(
    method: str, bucket: str, key: str, query: dict[str, Any], headers: dict[str, str]
) -> str:
    """The request's S3 operation, as the engine's routing names it (``ListObjects``
    without ``list-type=2``, ``ListMultipartUploads`` for ``?uploads`` ...); a request
    no operation takes is named by its method."""
    found = hosting.operation_of(
        method.upper(), bucket, key, {k: str(v) for k, v in query.items()}, hosting.Headers(headers)
    )
    return found or method.upper()


def _decoded_context(value: str) -> dict[str, Any] | str:
    try:
        data = json.loads(base64.b64decode(value, validate=True).decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return value
    return data if isinstance(data, dict) else value


def _encryption_config(setting: trace.BucketConfig | None) -> dict[str, Any]:
    """The configuration a ``bucket.config`` step tells (SSE-S3 when there is none)."""
    algorithm = setting.algorithm if setting is not None else None
    default: dict[str, Any] = {"SSEAlgorithm": algorithm or "AES256"}
    if setting is not None and setting.kms_key_id:
        default["KMSMasterKeyID"] = setting.kms_key_id
    rule: dict[str, Any] = {"ApplyServerSideEncryptionByDefault": default}
    if setting is not None and setting.bucket_key:
        rule["BucketKeyEnabled"] = True
    if setting is not None and setting.blocked:
        rule["BlockedEncryptionTypes"] = {"EncryptionType": list(setting.blocked)}
    return {"Rules": [rule]}


def build(
    operation: str,
    bucket: str,
    key: str,
    query: dict[str, Any],
    headers: list[list[str]],
    principal: str,
    steps: Sequence[trace.Step],
    sandbox_id: str = "",
) -> Commands:
    """The request as an ``aws s3api`` command and a boto3 call, sent to the sandbox
    ``sandbox_id``'s endpoint through its profiles (none named without a sandbox)."""
    h = {name.lower(): value for name, value in headers}
    if operation == "PutObject" and any(name in h for name in CSE_ENVELOPE):
        return _cse_put(bucket, key, h, principal, sandbox_id)
    cli: list[str] = ["aws", "s3api", _kebab(operation)]
    kwargs: list[tuple[str, str]] = []  # boto3 keyword, Python source of the value
    if bucket:
        cli += ["--bucket", bucket]
        kwargs.append(("Bucket", _py(bucket)))
    if key:
        cli += ["--key", key]
        kwargs.append(("Key", _py(key)))
    notes: list[str] = []
    if operation == "PutObject":
        cli += ["--body", "file.bin"]
        kwargs.append(("Body", 'open("file.bin", "rb")'))
    if operation == "CopyObject" and "x-amz-copy-source" in h:
        cli += ["--copy-source", h["x-amz-copy-source"].lstrip("/")]
        kwargs.append(("CopySource", _py(h["x-amz-copy-source"].lstrip("/"))))
        if "x-amz-metadata-directive" in h:
            cli += ["--metadata-directive", h["x-amz-metadata-directive"]]
            kwargs.append(("MetadataDirective", _py(h["x-amz-metadata-directive"])))
    if operation in ("PutObject", "CopyObject", "CreateMultipartUpload"):
        if SSE in h:
            cli += ["--server-side-encryption", h[SSE]]
            kwargs.append(("ServerSideEncryption", _py(h[SSE])))
        if SSE + "-aws-kms-key-id" in h:
            cli += ["--ssekms-key-id", h[SSE + "-aws-kms-key-id"]]
            kwargs.append(("SSEKMSKeyId", _py(h[SSE + "-aws-kms-key-id"])))
        if SSE + "-context" in h:
            cli += ["--ssekms-encryption-context", h[SSE + "-context"]]
            kwargs.append(("SSEKMSEncryptionContext", _py(h[SSE + "-context"])))
        if SSE + "-bucket-key-enabled" in h:
            enabled = h[SSE + "-bucket-key-enabled"].lower() == "true"
            cli += ["--bucket-key-enabled" if enabled else "--no-bucket-key-enabled"]
            kwargs.append(("BucketKeyEnabled", _py(enabled)))
        meta = {n[len("x-amz-meta-") :]: v for n, v in h.items() if n.startswith("x-amz-meta-")}
        if meta:
            cli += ["--metadata", json.dumps(meta, separators=(",", ":"))]
            kwargs.append(("Metadata", _py(meta)))
    if operation == "GetObject" and "range" in h:
        cli += ["--range", h["range"]]
        kwargs.append(("Range", _py(h["range"])))
    if CUSTOMER + "algorithm" in h or CUSTOMER + "key" in h:
        cli += [
            "--sse-customer-algorithm",
            h.get(CUSTOMER + "algorithm", "AES256"),
            "--sse-customer-key",
            "fileb://key.bin",
        ]
        kwargs.append(("SSECustomerAlgorithm", _py(h.get(CUSTOMER + "algorithm", "AES256"))))
        kwargs.append(("SSECustomerKey", "key"))
        notes.append('key = open("key.bin", "rb").read()  # your 32-byte key; boto3 adds its MD5')
    if COPY_CUSTOMER + "algorithm" in h or COPY_CUSTOMER + "key" in h:
        cli += [
            "--copy-source-sse-customer-algorithm",
            h.get(COPY_CUSTOMER + "algorithm", "AES256"),
            "--copy-source-sse-customer-key",
            "fileb://source-key.bin",
        ]
        kwargs.append(
            ("CopySourceSSECustomerAlgorithm", _py(h.get(COPY_CUSTOMER + "algorithm", "AES256")))
        )
        kwargs.append(("CopySourceSSECustomerKey", "source_key"))
        notes.append('source_key = open("source-key.bin", "rb").read()')
    if operation == "HeadObject" and h.get("x-amz-checksum-mode"):
        cli += ["--checksum-mode", h["x-amz-checksum-mode"]]
        kwargs.append(("ChecksumMode", _py(h["x-amz-checksum-mode"])))
    if operation == "GetObject":
        cli += ["downloaded.bin"]
    if operation == "PutBucketEncryption":
        setting = next((s for s in steps if isinstance(s, trace.BucketConfig)), None)
        config = _encryption_config(setting)
        cli += ["--server-side-encryption-configuration", json.dumps(config, separators=(",", ":"))]
        kwargs.append(("ServerSideEncryptionConfiguration", _py(config)))
    if operation == "PutBucketPolicy":
        cli += ["--policy", "file://policy.json"]
        kwargs.append(("Policy", 'open("policy.json").read()'))
    if operation == "UpdateObjectEncryption":
        cli += ["--object-encryption", "file://object-encryption.json"]
        kwargs.append(("ObjectEncryption", 'json.load(open("object-encryption.json"))'))
    if operation == "DeleteObjects":
        cli += ["--delete", "file://delete.json"]
        kwargs.append(("Delete", 'json.load(open("delete.json"))'))
    anonymous = principal in ("", vocabulary.ANONYMOUS)
    profile = _profile(principal, sandbox_id)
    if anonymous:
        cli.append("--no-sign-request")
        if sandbox_id:
            cli += ["--profile", services_name(sandbox_id)]
    elif profile:
        cli += ["--profile", profile]
    command = " ".join(shlex.quote(part) for part in cli)
    if len(command) > 80:
        command = _wrap(cli)
    lines = ["import boto3", "from botocore.config import Config", ""]
    if anonymous:
        lines.insert(1, "from botocore import UNSIGNED")
        session = _session(services_name(sandbox_id) if sandbox_id else "")
        client_config = 'Config(signature_version=UNSIGNED, s3={"addressing_style": "path"})'
    else:
        session = _session(profile)
        client_config = 'Config(s3={"addressing_style": "path"})'
    lines += [f"s3 = {session}.client(", f'    "s3", config={client_config}', ")"]
    lines += notes
    call = f"s3.{_snake(operation)}("
    if kwargs:
        args = ",\n".join(f"    {name}={value}" for name, value in kwargs)
        call += "\n" + args + ",\n)"
    else:
        call += ")"
    if any("json.load" in value for _, value in kwargs):
        lines.insert(0, "import json")
    lines.append("response = " + call)
    return Commands(command, "\n".join(lines))


def _py(value: Any) -> str:
    """Python source for a value, with double-quoted strings as formatters write them."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_py(k)}: {_py(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_py(v) for v in value) + "]"
    return repr(value)


def _wrap(parts: list[str]) -> str:
    """One option per line, with shell continuations."""
    head = " ".join(shlex.quote(p) for p in parts[:3])
    lines = [head]
    i = 3
    while i < len(parts):
        part = parts[i]
        if part.startswith("--") and i + 1 < len(parts) and not parts[i + 1].startswith("--"):
            lines.append(f"  {part} {shlex.quote(parts[i + 1])}")
            i += 2
        else:
            lines.append(f"  {shlex.quote(part)}")
            i += 1
    return " \\\n".join(lines)
