"""``load``: a scenario file, read within bounds and checked before anything is built.

Every check names the field it is about as a JSON path (``objects[2].encryption.kms_key``)
and a stable reason. The checks are those of ``schemas/scenario-v1.schema.json`` (shape
and types; tests hold the two together) and what a schema cannot say: references that
resolve, names S3 accepts, sizes and counts within the lab's limits.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from typing import Any

from simulator.engine import safejson

from .model import (
    ACTIONS,
    ALGORITHMS,
    DEFAULT_PATTERN,
    FORMAT,
    KEY_STATES,
    MODE_DEFAULT,
    OBJECT_MODES,
    PRINCIPALS,
    VERSION,
    BucketSpec,
    Content,
    DefaultEncryption,
    KMSKeySpec,
    Limits,
    ObjectEncryption,
    ObjectSpec,
    RequestSpec,
    Scenario,
    ScenarioError,
)

# S3's bucket naming rules (3–63 lower-case letters, digits, hyphens and dots, starting
# and ending with a letter or digit, no "..", not an IP address).
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_IP = re.compile(r"^\d+\.\d+\.\d+\.\d+$")
REF = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_ALIAS = re.compile(r"^alias/[A-Za-z0-9/_-]{1,250}$")
_SEED = re.compile(r"^[\x21-\x7e]{1,64}$")
_HEADER = re.compile(r"^[A-Za-z0-9-]{1,128}$")
_META = re.compile(r"^[a-z0-9-]{1,128}$")
MAX_KEY_BYTES = 1024  # S3's object key limit, in UTF-8 bytes
MAX_TEXT = 4000


def _fail(where: str, reason: str, message: str, **params: Any) -> ScenarioError:
    return ScenarioError(where, reason, message, params)


def _at(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


class _Reader:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.total_bytes = 0

    # ------------------------------------------------------------------ primitives
    def table(
        self, value: Any, where: str, required: tuple[str, ...], optional: tuple[str, ...]
    ) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise _fail(where, "type", "must be an object", expected="object")
        for name in required:
            if name not in value:
                raise _fail(_at(where, name), "required", "is required")
        for name in value:
            if name not in required and name not in optional:
                raise _fail(_at(where, str(name)), "unknown_field", "is not a field of the format")
        return value

    def text(self, value: Any, where: str, maximum: int = 200, empty: bool = False) -> str:
        if not isinstance(value, str):
            raise _fail(where, "type", "must be text", expected="text")
        if not value and not empty:
            raise _fail(where, "required", "must not be empty")
        if len(value) > maximum:
            raise _fail(where, "length", f"is longer than {maximum} characters", limit=maximum)
        return value

    def boolean(self, value: Any, where: str) -> bool:
        if not isinstance(value, bool):
            raise _fail(where, "type", "must be true or false", expected="boolean")
        return value

    def integer(self, value: Any, where: str, minimum: int, maximum: int) -> int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise _fail(where, "type", "must be a whole number", expected="integer")
        if not minimum <= value <= maximum:
            raise _fail(
                where,
                "range",
                f"must be from {minimum} to {maximum}",
                minimum=minimum,
                maximum=maximum,
            )
        return value

    def choice(self, value: Any, where: str, allowed: tuple[str, ...]) -> str:
        if not isinstance(value, str) or value not in allowed:
            raise _fail(
                where, "choice", f"must be one of {', '.join(allowed)}", allowed=", ".join(allowed)
            )
        return value

    def items(self, value: Any, where: str, limit: int) -> list[Any]:
        if not isinstance(value, list):
            raise _fail(where, "type", "must be a list", expected="list")
        if len(value) > limit:
            raise _fail(where, "too_many", f"holds more than {limit} items", limit=limit)
        return value

    def strings(self, value: Any, where: str) -> dict[str, str]:
        if not isinstance(value, Mapping):
            raise _fail(where, "type", "must be an object of texts", expected="object")
        if len(value) > 50:
            raise _fail(where, "too_many", "holds more than 50 items", limit=50)
        for name, text in value.items():
            self.text(text, f"{where}.{name}", maximum=2048, empty=True)
        return dict(value)

    def base64(self, value: Any, where: str, maximum: int) -> bytes:
        text = self.text(value, where, maximum=maximum * 4 // 3 + 4, empty=True)
        try:
            return base64.b64decode(text.encode("ascii"), validate=True)
        except (binascii.Error, ValueError, UnicodeError):
            raise _fail(where, "base64", "is not base64") from None

    def key32(self, value: Any, where: str) -> bytes:
        raw = self.base64(value, where, 64)
        if len(raw) != 32:
            raise _fail(where, "key_length", "must be 32 bytes (256 bits) in base64")
        return raw

    def document(self, value: Any, where: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise _fail(where, "type", "must be a JSON object (the policy document)")
        if len(json.dumps(value, separators=(",", ":"))) > 20 * 1024:
            raise _fail(where, "length", "is larger than 20 KB", limit=20 * 1024)
        return value

    def content(self, value: Any, where: str) -> Content:
        item = self.table(value, where, (), ("text", "base64", "generate"))
        if len(item) != 1:
            raise _fail(where, "one_of", "needs exactly one of text, base64, generate")
        limit = self.limits.object_bytes
        if "text" in item:
            text = self.text(item["text"], f"{where}.text", maximum=limit, empty=True)
            made = Content(text=text)
        elif "base64" in item:
            made = Content(data=self.base64(item["base64"], f"{where}.base64", limit))
        else:
            here = f"{where}.generate"
            spec = self.table(item["generate"], here, ("bytes",), ("pattern",))
            size = self.integer(spec["bytes"], f"{here}.bytes", 0, limit)
            pattern = DEFAULT_PATTERN
            if "pattern" in spec:
                pattern = self.text(spec["pattern"], f"{here}.pattern", maximum=256)
            made = Content(generate=size, pattern=pattern)
        if made.size > limit:
            raise _fail(where, "size", f"is larger than {limit} bytes", limit=limit)
        self.total_bytes += made.size
        if self.total_bytes > self.limits.total_bytes:
            raise _fail(
                where,
                "total_size",
                f"makes the scenario's content larger than {self.limits.total_bytes} bytes",
                limit=self.limits.total_bytes,
            )
        return made


def parse(data: Mapping[str, Any] | bytes | str, limits: Limits | None = None) -> Any:
    """The file's JSON value: text read within bounds, a mapping as it is."""
    limits = limits or Limits()
    if isinstance(data, Mapping):
        try:
            safejson.check(data)
        except ValueError as error:
            raise _fail("", "json", f"is not plain JSON data: {error}", detail=str(error)) from None
        return data
    if len(data) > limits.file_bytes:
        raise _fail(
            "", "too_large", f"is larger than {limits.file_bytes} bytes", limit=limits.file_bytes
        )
    try:
        return safejson.loads(data)
    except ValueError as error:
        raise _fail("", "json", f"is not JSON: {error}", detail=str(error)) from None


def load(data: Mapping[str, Any] | bytes | str, limits: Limits | None = None) -> Scenario:
    """A scenario from its JSON document (text, bytes or a parsed mapping).

    Raises ``ScenarioError`` naming the first field that is wrong; nothing is built.
    """
    limits = limits or Limits()
    value = parse(data, limits)
    reader = _Reader(limits)
    top = reader.table(
        value,
        "",
        ("format", "version", "title"),
        ("description", "reproducible", "buckets", "kms_keys", "objects", "requests"),
    )
    if top["format"] != FORMAT:
        raise _fail("format", "format", f'must be "{FORMAT}"', expected=FORMAT)
    if top["version"] != VERSION or isinstance(top["version"], bool):
        raise _fail("version", "version", f"must be {VERSION}: this lab reads version {VERSION}")
    title = reader.text(top["title"], "title")
    description = reader.text(top.get("description", ""), "description", MAX_TEXT, empty=True)
    seed = None
    if "reproducible" in top:
        spec = reader.table(top["reproducible"], "reproducible", ("seed",), ())
        seed = reader.text(spec["seed"], "reproducible.seed", maximum=64)
        if not _SEED.match(seed):
            raise _fail("reproducible.seed", "seed", "must be 1–64 printable ASCII characters")

    keys = _kms_keys(reader, top.get("kms_keys", []))
    aliases = {alias for key in keys for alias in key.aliases}
    refs = {key.ref for key in keys}
    buckets = _buckets(reader, top.get("buckets", []), refs, aliases)
    names = {bucket.name for bucket in buckets}
    objects = _objects(reader, top.get("objects", []), names, refs, aliases)
    requests = _requests(reader, top.get("requests", []), refs, aliases)
    return Scenario(
        title=title,
        description=description,
        seed=seed,
        buckets=buckets,
        kms_keys=keys,
        objects=objects,
        requests=requests,
        data=value,
    )


def _kms_key_ref(reader: _Reader, value: Any, where: str, refs: set[str], aliases: set[str]) -> str:
    """A key named by its ref, by one of its aliases, or ``alias/aws/s3``."""
    name = reader.text(value, where, maximum=256)
    if name in refs or name in aliases or name == "alias/aws/s3":
        return name
    raise _fail(
        where,
        "unknown_key",
        f"{name!r} is neither the ref nor an alias of a key in kms_keys (nor alias/aws/s3)",
        name=name,
    )


def _kms_keys(reader: _Reader, value: Any) -> tuple[KMSKeySpec, ...]:
    out: list[KMSKeySpec] = []
    seen_refs: set[str] = set()
    seen_aliases: set[str] = set()
    for n, item in enumerate(reader.items(value, "kms_keys", reader.limits.kms_keys)):
        where = f"kms_keys[{n}]"
        key = reader.table(
            item, where, ("ref",), ("aliases", "description", "key_policy", "state", "rotation")
        )
        ref = reader.text(key["ref"], f"{where}.ref", maximum=64)
        if not REF.match(ref):
            raise _fail(f"{where}.ref", "ref", "letters, digits, _ and - only (1–64)")
        if ref in seen_refs:
            raise _fail(f"{where}.ref", "duplicate", f"{ref!r} is already a key's ref", name=ref)
        seen_refs.add(ref)
        aliases: list[str] = []
        for m, alias in enumerate(reader.items(key.get("aliases", []), f"{where}.aliases", 10)):
            here = f"{where}.aliases[{m}]"
            alias = reader.text(alias, here, maximum=256)
            if not _ALIAS.match(alias) or alias.startswith("alias/aws/"):
                raise _fail(
                    here, "alias", "must be alias/<name> (letters, digits, / _ -), not alias/aws/"
                )
            if alias in seen_aliases:
                raise _fail(here, "duplicate", f"{alias} is already an alias", name=alias)
            seen_aliases.add(alias)
            aliases.append(alias)
        policy = None
        if "key_policy" in key:
            policy = reader.document(key["key_policy"], f"{where}.key_policy")
        out.append(
            KMSKeySpec(
                ref=ref,
                aliases=tuple(aliases),
                description=reader.text(
                    key.get("description", ""), f"{where}.description", 8192, empty=True
                ),
                key_policy=policy,
                state=reader.choice(key.get("state", "Enabled"), f"{where}.state", KEY_STATES),
                rotation=reader.boolean(key.get("rotation", False), f"{where}.rotation"),
            )
        )
    return tuple(out)


def _bucket_name(reader: _Reader, value: Any, where: str) -> str:
    name = reader.text(value, where, maximum=255)
    if not _BUCKET.match(name) or ".." in name or _IP.match(name):
        raise _fail(
            where,
            "bucket_name",
            "S3 does not allow this bucket name: 3–63 lower-case letters, digits, "
            "hyphens and dots, starting and ending with a letter or digit",
            name=name,
        )
    return name


def _buckets(
    reader: _Reader, value: Any, refs: set[str], aliases: set[str]
) -> tuple[BucketSpec, ...]:
    out: list[BucketSpec] = []
    seen: set[str] = set()
    for n, item in enumerate(reader.items(value, "buckets", reader.limits.buckets)):
        where = f"buckets[{n}]"
        bucket = reader.table(
            item, where, ("name",), ("default_encryption", "blocked_encryption_types", "policy")
        )
        name = _bucket_name(reader, bucket["name"], f"{where}.name")
        if name in seen:
            raise _fail(f"{where}.name", "duplicate", f"{name} is already a bucket", name=name)
        seen.add(name)
        default = None
        if "default_encryption" in bucket:
            here = f"{where}.default_encryption"
            spec = reader.table(
                bucket["default_encryption"], here, ("algorithm",), ("kms_key", "bucket_key")
            )
            algorithm = reader.choice(spec["algorithm"], f"{here}.algorithm", ALGORITHMS)
            kms_key = ""
            if "kms_key" in spec:
                if algorithm == "AES256":
                    raise _fail(
                        f"{here}.kms_key", "conflict", "a KMS key needs aws:kms or aws:kms:dsse"
                    )
                kms_key = _kms_key_ref(reader, spec["kms_key"], f"{here}.kms_key", refs, aliases)
            default = DefaultEncryption(
                algorithm,
                kms_key,
                reader.boolean(spec.get("bucket_key", False), f"{here}.bucket_key"),
            )
        blocked = None
        if "blocked_encryption_types" in bucket:
            here = f"{where}.blocked_encryption_types"
            listed = reader.items(bucket["blocked_encryption_types"], here, 1)
            blocked = tuple(
                reader.choice(item, f"{here}[{m}]", ("SSE-C",)) for m, item in enumerate(listed)
            )
        policy = None
        if "policy" in bucket:
            policy = reader.document(bucket["policy"], f"{where}.policy")
        out.append(BucketSpec(name, default, blocked, policy))
    return tuple(out)


def _object_key(reader: _Reader, value: Any, where: str) -> str:
    key = reader.text(value, where, maximum=MAX_KEY_BYTES)
    if len(key.encode("utf-8")) > MAX_KEY_BYTES:
        raise _fail(where, "length", f"is longer than {MAX_KEY_BYTES} bytes", limit=MAX_KEY_BYTES)
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in key):
        raise _fail(where, "control", "holds a control character")
    return key


def _encryption(
    reader: _Reader, value: Any, where: str, refs: set[str], aliases: set[str]
) -> ObjectEncryption:
    spec = reader.table(
        value,
        where,
        ("mode",),
        (
            "kms_key",
            "bucket_key",
            "context",
            "customer_key_base64",
            "wrapping_key_base64",
            "cse_version",
        ),
    )
    mode = reader.choice(spec["mode"], f"{where}.mode", OBJECT_MODES)
    allowed = {
        MODE_DEFAULT: set(),
        "SSE-S3": set(),
        "SSE-KMS": {"kms_key", "bucket_key", "context"},
        "DSSE-KMS": {"kms_key", "context"},
        "SSE-C": {"customer_key_base64"},
        "CSE": {"kms_key", "wrapping_key_base64", "context", "cse_version"},
    }[mode]
    for name in spec:
        if name != "mode" and name not in allowed:
            raise _fail(f"{where}.{name}", "conflict", f"does not apply to {mode}", mode=mode)
    kms_key = ""
    if "kms_key" in spec:
        kms_key = _kms_key_ref(reader, spec["kms_key"], f"{where}.kms_key", refs, aliases)
    context = None
    if "context" in spec:
        context = reader.strings(spec["context"], f"{where}.context")
    customer_key = b""
    if mode == "SSE-C":
        if "customer_key_base64" not in spec:
            raise _fail(f"{where}.customer_key_base64", "required", "SSE-C needs the client's key")
        customer_key = reader.key32(spec["customer_key_base64"], f"{where}.customer_key_base64")
    wrapping_key = b""
    if mode == "CSE":
        if ("kms_key" in spec) == ("wrapping_key_base64" in spec):
            raise _fail(
                f"{where}.wrapping_key_base64",
                "one_of",
                "CSE needs exactly one of kms_key (kms+context) and wrapping_key_base64",
            )
        if "wrapping_key_base64" in spec:
            wrapping_key = reader.key32(spec["wrapping_key_base64"], f"{where}.wrapping_key_base64")
        if context is not None and "kms_key" not in spec:
            raise _fail(f"{where}.context", "conflict", "a context goes with a KMS-wrapped key")
    version = 3
    if "cse_version" in spec:
        version = reader.integer(spec["cse_version"], f"{where}.cse_version", 2, 3)
    bucket_key = None
    if "bucket_key" in spec:
        bucket_key = reader.boolean(spec["bucket_key"], f"{where}.bucket_key")
    return ObjectEncryption(
        mode=mode,
        kms_key=kms_key,
        bucket_key=bucket_key,
        context=context,
        customer_key=customer_key,
        wrapping_key=wrapping_key,
        cse_version=version,
    )


def _objects(
    reader: _Reader, value: Any, buckets: set[str], refs: set[str], aliases: set[str]
) -> tuple[ObjectSpec, ...]:
    out: list[ObjectSpec] = []
    seen: set[tuple[str, str]] = set()
    for n, item in enumerate(reader.items(value, "objects", reader.limits.objects)):
        where = f"objects[{n}]"
        spec = reader.table(
            item,
            where,
            ("bucket", "key", "content"),
            ("encryption", "content_type", "metadata", "note"),
        )
        bucket = reader.text(spec["bucket"], f"{where}.bucket", maximum=63)
        if bucket not in buckets:
            raise _fail(f"{where}.bucket", "unknown_bucket", f"{bucket!r} is not in buckets")
        key = _object_key(reader, spec["key"], f"{where}.key")
        if (bucket, key) in seen:
            raise _fail(f"{where}.key", "duplicate", f"{bucket}/{key} is already an object")
        seen.add((bucket, key))
        metadata = reader.strings(spec.get("metadata", {}), f"{where}.metadata")
        for name in metadata:
            if not _META.match(name) or name.startswith("x-amz-"):
                raise _fail(
                    f"{where}.metadata.{name}",
                    "metadata",
                    "a metadata name is lower-case letters, digits and - (without x-amz-meta-)",
                )
        encryption = ObjectEncryption()
        if "encryption" in spec:
            encryption = _encryption(
                reader, spec["encryption"], f"{where}.encryption", refs, aliases
            )
        out.append(
            ObjectSpec(
                bucket=bucket,
                key=key,
                content=reader.content(spec["content"], f"{where}.content"),
                encryption=encryption,
                content_type=reader.text(
                    spec.get("content_type", "binary/octet-stream"), f"{where}.content_type"
                ),
                metadata=metadata,
                note=reader.text(spec.get("note", ""), f"{where}.note", MAX_TEXT, empty=True),
            )
        )
    return tuple(out)


def _requests(
    reader: _Reader, value: Any, refs: set[str], aliases: set[str]
) -> tuple[RequestSpec, ...]:
    out: list[RequestSpec] = []
    for n, item in enumerate(reader.items(value, "requests", reader.limits.requests)):
        where = f"requests[{n}]"
        spec = reader.table(
            item,
            where,
            ("action", "bucket"),
            (
                "key", "principal", "secure", "headers", "query", "body", "kms_key",
                "customer_key_base64", "note",
            ),
        )  # fmt: skip
        action = reader.choice(spec["action"], f"{where}.action", tuple(ACTIONS))
        # A request may name a bucket the scenario does not make: S3's NoSuchBucket is
        # as much a lesson as any other answer.
        bucket = _bucket_name(reader, spec["bucket"], f"{where}.bucket")
        level = ACTIONS[action][1]
        key = ""
        if level == "object":
            if "key" not in spec:
                raise _fail(f"{where}.key", "required", f"{action} names an object")
            key = _object_key(reader, spec["key"], f"{where}.key")
        elif "key" in spec:
            raise _fail(f"{where}.key", "conflict", f"{action} is a bucket operation", mode=action)
        headers = reader.strings(spec.get("headers", {}), f"{where}.headers")
        for name in headers:
            if not _HEADER.match(name):
                raise _fail(f"{where}.headers.{name}", "header", "is not an HTTP header name")
        if action == "CopyObject" and not any(
            name.lower() == "x-amz-copy-source" for name in headers
        ):
            raise _fail(f"{where}.headers", "required", "CopyObject needs x-amz-copy-source")
        body = None
        if "body" in spec:
            body = reader.content(spec["body"], f"{where}.body")
        kms_key = ""
        if "kms_key" in spec:
            kms_key = _kms_key_ref(reader, spec["kms_key"], f"{where}.kms_key", refs, aliases)
        customer_key = b""
        if "customer_key_base64" in spec:
            customer_key = reader.key32(spec["customer_key_base64"], f"{where}.customer_key_base64")
        out.append(
            RequestSpec(
                action=action,
                bucket=bucket,
                key=key,
                principal=reader.choice(
                    spec.get("principal", "alice"), f"{where}.principal", PRINCIPALS
                ),
                secure=reader.boolean(spec.get("secure", True), f"{where}.secure"),
                headers=headers,
                query=reader.strings(spec.get("query", {}), f"{where}.query"),
                body=body,
                kms_key=kms_key,
                customer_key=customer_key,
                note=reader.text(spec.get("note", ""), f"{where}.note", MAX_TEXT, empty=True),
            )
        )
    return tuple(out)
