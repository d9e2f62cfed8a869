"""The scenario library: every lesson's Try it and the deck's policy presets, as scenarios.

A lesson's Try it is written in the quiz's scenario format (``quiz/bank/FORMAT.md``: keys
by name, presets by code, objects as requests, SSE-C keys by name). ``from_lesson``
converts it to this format: a quiz key ``app`` becomes the key ``ref: app`` with the alias
``alias/app`` (which is how the lesson's requests name it), an object's headers become its
encryption, and a named SSE-C key becomes the same fixed key the quiz derives from the
name. The presets are the lab's bucket-policy presets (``quiz.policies``), each with the
requests that show it deciding. Slugs are stable: links to them are shared with classes.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from simulator.engine import vocabulary as v
from simulator.lessons import Lesson, course
from simulator.quiz import policies
from simulator.quiz.model import Request, Text
from simulator.quiz.scenario import customer_key

from .loader import load
from .model import FORMAT, VERSION, Scenario

LESSON_PREFIX = "lesson-"


@dataclass(frozen=True)
class LibraryEntry:
    slug: str
    title: Text
    description: Text
    scenario: Scenario


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _policy(value: str, bucket: str) -> Any:
    if value in policies.DOCUMENTS:
        return json.loads(policies.document(value, bucket))
    return json.loads(value.replace("{bucket}", bucket))


def _bucket(item: Mapping[str, Any]) -> dict[str, Any]:
    name = str(item["name"])
    out: dict[str, Any] = {"name": name}
    if {"default", "kms_key", "bucket_key", "blocked"} & set(item):
        default: dict[str, Any] = {"algorithm": item.get("default", v.AES256)}
        if "kms_key" in item:
            default["kms_key"] = str(item["kms_key"])
        if item.get("bucket_key"):
            default["bucket_key"] = True
        out["default_encryption"] = default
        out["blocked_encryption_types"] = list(item.get("blocked", ["SSE-C"]))
    if "policy" in item:
        out["policy"] = _policy(str(item["policy"]), name)
    return out


def _key(item: Mapping[str, Any]) -> dict[str, Any]:
    name = str(item["name"])
    out: dict[str, Any] = {"ref": name, "aliases": [f"alias/{name}"]}
    if item.get("state", "Enabled") != "Enabled":
        out["state"] = item["state"]
    if item.get("rotation"):
        out["rotation"] = True
    if "policy" in item:
        out["key_policy"] = json.loads(str(item["policy"]))
    return out


def _context(text: str) -> dict[str, str]:
    try:
        value = json.loads(base64.b64decode(text, validate=True))
    except (binascii.Error, ValueError):
        return {}
    return {str(k): str(c) for k, c in value.items()} if isinstance(value, dict) else {}


def _object(item: Mapping[str, Any], slug: str) -> dict[str, Any]:
    """A quiz scenario's object (an upload request) as an object of this format."""
    headers = {str(k).lower(): str(c) for k, c in dict(item.get("headers", {})).items()}
    out: dict[str, Any] = {
        "bucket": str(item["bucket"]),
        "key": str(item["key"]),
        "content": {"text": str(item.get("body", "hello"))},
    }
    encryption: dict[str, Any] = {"mode": "default"}
    if item.get("ssec"):
        encryption = {
            "mode": v.SSE_C,
            "customer_key_base64": _b64(customer_key(str(item["ssec"]))),
        }
    elif any(name.startswith("x-amz-meta-x-amz-") for name in headers):
        # The quiz writes a client-side envelope's headers over plain bytes; here the
        # object is really encrypted on the client, under the entry's own public key.
        key = hashlib.sha256(f"scenario library wrapping key: {slug}".encode()).digest()
        encryption = {"mode": v.CSE, "wrapping_key_base64": _b64(key)}
    elif v.SSE in headers:
        encryption = {"mode": v.ALGORITHM_TO_MODE[headers[v.SSE]]}
        if v.KMS_KEY_ID in headers:
            encryption["kms_key"] = headers[v.KMS_KEY_ID]
        if v.BUCKET_KEY in headers and encryption["mode"] == v.SSE_KMS:
            encryption["bucket_key"] = headers[v.BUCKET_KEY] == "true"
        if v.CONTEXT in headers:
            encryption["context"] = _context(headers[v.CONTEXT])
    out["encryption"] = encryption
    return out


def _action(request: Request) -> str:
    query = dict(request.query)
    if request.key:
        if request.method == "PUT" and request.copy_source:
            return "CopyObject"
        if request.method == "PUT" and "encryption" in query:
            return "UpdateObjectEncryption"
        return {"PUT": "PutObject", "GET": "GetObject", "HEAD": "HeadObject"}.get(
            request.method, "DeleteObject"
        )
    for name in ("encryption", "policy"):
        if name in query:
            verb = {"PUT": "Put", "GET": "Get", "DELETE": "Delete"}[request.method]
            return f"{verb}Bucket{name.capitalize()}"
    return {"PUT": "CreateBucket", "DELETE": "DeleteBucket", "HEAD": "HeadBucket"}.get(
        request.method, "ListObjectsV2"
    )


def _request(request: Request) -> dict[str, Any]:
    action = _action(request)
    out: dict[str, Any] = {"action": action, "bucket": request.bucket}
    if request.key:
        out["key"] = request.key
    if request.principal:
        out["principal"] = request.principal
    if not request.tls:
        out["secure"] = False
    headers = dict(request.headers)
    if request.copy_source:
        headers[v.COPY_SOURCE] = request.copy_source
    if request.copy_source_ssec:
        headers.update(
            v.customer_key_headers(
                customer_key(request.copy_source_ssec), prefix=v.COPY_SOURCE_CUSTOMER
            )
        )
    if headers:
        out["headers"] = headers
    query = {k: c for k, c in request.query if k not in ("encryption", "policy")}
    if query:
        out["query"] = query
    if request.body or request.method == "PUT":
        out["body"] = {"text": request.body}
    if request.ssec:
        out["customer_key_base64"] = _b64(customer_key(request.ssec))
    return out


def from_lesson(lesson: Lesson) -> dict[str, Any]:
    """A lesson's Try it as a scenario document (the lesson must have one)."""
    try_it = lesson.try_it
    assert try_it is not None
    spec = try_it.scenario
    slug = f"{LESSON_PREFIX}{lesson.slug}"
    return {
        "format": FORMAT,
        "version": VERSION,
        "title": f"Lesson {lesson.number}: {lesson.title.en}",
        "description": try_it.intro.en,
        "buckets": [_bucket(item) for item in spec.get("buckets", [])],
        "kms_keys": [_key(item) for item in spec.get("keys", [])],
        "objects": [_object(item, slug) for item in spec.get("objects", [])],
        "requests": [_request(request) for request in try_it.requests],
    }


def _put(bucket: str, key: str, text: str, **extra: Any) -> dict[str, Any]:
    return {"action": "PutObject", "bucket": bucket, "key": key, "body": {"text": text}, **extra}


SSE_HEADER = {v.SSE: v.AES256}


def _presets() -> list[tuple[str, Text, Text, dict[str, Any]]]:
    doc = policies.document
    return [
        (
            "deny-unencrypted-uploads",
            Text(
                "Deny uploads without x-amz-server-side-encryption: AES256",
                "x-amz-server-side-encryption: AES256 のないアップロードを拒否する",
            ),
            Text(
                "The course's bucket policy: an upload with the header is allowed, one "
                "without it is denied, although the bucket's default encryption would "
                "have encrypted it.",
                "コースのバケットポリシーです。ヘッダー付きのアップロードは許可され、ヘッダーの"
                "ないアップロードは拒否されます。バケットのデフォルト暗号化なら暗号化できたとしても"
                "拒否されます。",
            ),
            {
                "buckets": [{"name": "policy-demo", "policy": json.loads(doc("require-aes256", "policy-demo"))}],
                "requests": [
                    _put("policy-demo", "with-header.txt", "sent with the header", headers=SSE_HEADER),
                    _put("policy-demo", "without-header.txt", "sent without the header"),
                ],
            },
        ),
        (
            "deny-uploads-without-kms",
            Text("Deny uploads without aws:kms", "aws:kms のないアップロードを拒否する"),
            Text(
                "The same two statements, requiring SSE-KMS: an SSE-S3 upload is denied.",
                "同じ 2 つのステートメントで SSE-KMS を必須にします。SSE-S3 のアップロードは拒否されます。",
            ),
            {
                "buckets": [{"name": "kms-only", "policy": json.loads(doc("require-kms", "kms-only"))}],
                "requests": [
                    _put("kms-only", "sse-s3.txt", "SSE-S3", headers=SSE_HEADER),
                    _put("kms-only", "sse-kms.txt", "SSE-KMS", headers={v.SSE: v.AWS_KMS}),
                ],
            },
        ),
        (
            "deny-plain-http",
            Text("Deny requests over plain HTTP", "HTTP（TLS なし）のリクエストを拒否する"),
            Text(
                "aws:SecureTransport false is denied: encryption in transit, beside encryption at rest.",
                "aws:SecureTransport が false のリクエストは拒否されます。保管時の暗号化に加えて、転送中の暗号化です。",
            ),
            {
                "buckets": [{"name": "tls-only", "policy": json.loads(doc("enforce-tls", "tls-only"))}],
                "requests": [
                    _put("tls-only", "over-http.txt", "plain HTTP", secure=False),
                    _put("tls-only", "over-https.txt", "HTTPS"),
                ],
            },
        ),
        (
            "deny-sse-c-uploads",
            Text("Deny SSE-C uploads", "SSE-C のアップロードを拒否する"),
            Text(
                "A bucket that allows SSE-C by its encryption settings, and a policy that denies it.",
                "暗号化設定では SSE-C を許可しているバケットで、ポリシーが SSE-C を拒否します。",
            ),
            {
                "buckets": [
                    {
                        "name": "no-sse-c",
                        "default_encryption": {"algorithm": v.AES256},
                        "blocked_encryption_types": [],
                        "policy": json.loads(doc("forbid-ssec", "no-sse-c")),
                    }
                ],
                "requests": [
                    _put("no-sse-c", "ssec.txt", "SSE-C", customer_key_base64=_b64(customer_key("mine"))),
                    _put("no-sse-c", "sse-s3.txt", "SSE-S3", headers=SSE_HEADER),
                ],
            },
        ),
        (
            "sse-kms-bucket-key",
            Text("SSE-KMS with a Bucket Key", "バケットキーを使う SSE-KMS"),
            Text(
                "Two uploads under a customer managed key with a Bucket Key: the first calls "
                "KMS, the second reuses the Bucket Key with no KMS call.",
                "バケットキーを有効にしたカスタマーマネージドキーで 2 回アップロードします。"
                "1 回目は KMS を呼び出し、2 回目はバケットキーを再利用して KMS を呼び出しません。",
            ),
            {
                "kms_keys": [{"ref": "app", "aliases": ["alias/app"], "description": "Bucket Key demo"}],
                "buckets": [
                    {
                        "name": "bucket-key",
                        "default_encryption": {"algorithm": v.AWS_KMS, "kms_key": "app", "bucket_key": True},
                    }
                ],
                "requests": [
                    _put("bucket-key", "first.csv", "first upload"),
                    _put("bucket-key", "second.csv", "second upload"),
                ],
            },
        ),
        (
            "default-encryption-not-retroactive",
            Text("Default encryption is not retroactive", "デフォルト暗号化はさかのぼって適用されない"),
            Text(
                "An object stored under SSE-S3, then the bucket's default changed to SSE-KMS: "
                "the old object stays SSE-S3, the next upload is SSE-KMS.",
                "SSE-S3 で保存したオブジェクトのあと、バケットのデフォルトを SSE-KMS に変更します。"
                "既存のオブジェクトは SSE-S3 のままで、次のアップロードは SSE-KMS になります。",
            ),
            {
                "kms_keys": [{"ref": "app", "aliases": ["alias/app"]}],
                "buckets": [{"name": "not-retroactive"}],
                "objects": [
                    {"bucket": "not-retroactive", "key": "old.csv", "content": {"text": "year,total"}}
                ],
                "requests": [
                    {
                        "action": "PutBucketEncryption",
                        "bucket": "not-retroactive",
                        "body": {
                            "text": (
                                '<ServerSideEncryptionConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
                                "<Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm>"
                                "<KMSMasterKeyID>alias/app</KMSMasterKeyID></ApplyServerSideEncryptionByDefault>"
                                "</Rule></ServerSideEncryptionConfiguration>"
                            )
                        },
                        "headers": {"Content-Type": "application/xml"},
                    },
                    {"action": "HeadObject", "bucket": "not-retroactive", "key": "old.csv"},
                    _put("not-retroactive", "new.csv", "year,total"),
                ],
            },
        ),
        (
            "classroom-identical-bytes",
            Text(
                "A class demo with identical bytes for everyone",
                "全員に同じバイト列を見せるクラス用デモ",
            ),
            Text(
                "Reproducible: every learner who opens it gets the same ciphertext, data keys "
                "and ids, so a class can compare the disk view side by side.",
                "再現モードです。開いた学習者全員が同じ暗号文・データキー・ID を得るため、"
                "クラス全体でディスクビューを見比べられます。",
            ),
            {
                "reproducible": {"seed": "lab-library-classroom-v1"},
                "kms_keys": [{"ref": "class", "aliases": ["alias/class"]}],
                "buckets": [
                    {"name": "class-sse-s3", "default_encryption": {"algorithm": v.AES256}},
                    {
                        "name": "class-sse-kms",
                        "default_encryption": {"algorithm": v.AWS_KMS, "kms_key": "class"},
                    },
                ],
                "objects": [
                    {"bucket": "class-sse-s3", "key": "hello.txt", "content": {"text": "Hello, class.\n"}},
                    {"bucket": "class-sse-kms", "key": "hello.txt", "content": {"text": "Hello, class.\n"}},
                ],
                "requests": [{"action": "GetObject", "bucket": "class-sse-kms", "key": "hello.txt"}],
            },
        ),
    ]  # fmt: skip


@functools.cache
def library() -> tuple[LibraryEntry, ...]:
    """Every entry, lessons first in course order, then the presets; stable slugs."""
    entries: list[LibraryEntry] = []
    for lesson in course():
        if lesson.try_it is None:
            continue
        entries.append(
            LibraryEntry(
                slug=f"{LESSON_PREFIX}{lesson.slug}",
                title=Text(
                    f"Lesson {lesson.number}: {lesson.title.en}",
                    f"レッスン {lesson.number}: {lesson.title.ja}",
                ),
                description=lesson.try_it.intro,
                scenario=load(from_lesson(lesson)),
            )
        )
    for slug, title, description, body in _presets():
        document = {
            "format": FORMAT,
            "version": VERSION,
            "title": title.en,
            "description": description.en,
            **body,
        }
        entries.append(LibraryEntry(slug, title, description, load(document)))
    return tuple(entries)


def entry(slug: str) -> LibraryEntry | None:
    """The library's entry ``slug``, or None."""
    return next((item for item in library() if item.slug == slug), None)
