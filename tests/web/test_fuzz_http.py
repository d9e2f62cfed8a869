"""Hostile input at every page, form and JSON endpoint: never a 5xx, and an error changes nothing.

Issue 8: "Malformed input never gives a 500 ... Each gets a clear error in AWS's words
where AWS has one, and changes nothing." Hypothesis posts random and hostile values
(NUL, lone surrogates as they arrive over HTTP, bidirectional and zero-width
characters, 10,000-character strings, numbers as strings, JSON nested 10,000 deep,
``NaN``, empty, missing and repeated fields, files of random bytes, wrong content types)
with the learner's own session, and GETs every page with hostile path segments and
query strings.

What "changes nothing" allows is exactly what AWS itself keeps for a failed request
(``sandboxes.run_s3`` and ``run_kms``):

- a failed S3 request, reported on a lab page (``X-Lab-S3-Status``), leaves its one
  trace — the one ``X-Lab-Trace`` names — and changes no record and no blob;
- a failed KMS call leaves its CloudTrail-shaped audit event (one, with its
  ``errorCode``) and KMS's request counters;
- a page that looks a key up before its S3 request (the DescribeKey that turns an
  alias into the ARN UpdateObjectEncryption needs, ``lab.state.key_arn``) makes a real,
  audited read-only KMS call, which stays whatever S3 then answers;
- a page view (GET) writes nothing (issue 8), but for a download link, which is a
  learner's GetObject with its trace;
- any other refusal (a form error, a 404, a malformed JSON body) changes nothing at all.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, quote_from_bytes

import pytest
from django.conf import settings as settings_module
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.web import sandboxes
from simulator.web.breakit import cases
from simulator.web.lab import s3calls
from simulator.web.lab.running import run
from simulator.web.models import QuizAttempt, Record, Sandbox, TraceRecord, TraceStepDetail

pytestmark = pytest.mark.django_db

# CI's budget; LAB_FUZZ_EXAMPLES=2000 (say) searches deeper on a developer's machine.
EXAMPLES = int(os.environ.get("LAB_FUZZ_EXAMPLES", "600"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=os.environ.get("LAB_FUZZ_RANDOM") != "1",
)

# ``data.draw`` of a test, or the ``draw`` of a composite strategy.
Draw = Callable[..., Any]

# --------------------------------------------------------------------------- hostile values

# U+D800 as the bytes a browser or a script puts on the wire for a lone surrogate
# (WTF-8/CESU-8): not valid UTF-8, so Django decodes it with replacement characters.
LONE_SURROGATE = "\ud800".encode("utf-8", "surrogatepass")
DEEP = "[" * 10_000 + "]" * 10_000

HOSTILE_TEXT = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\u202etxt.exe",
    "zero\u200bwidth\u200d",
    "\ufeffbom",
    "\u0000\u0001\u001f\u007f",
    "..",
    "../../etc/passwd",
    "%00",
    "NaN",
    "Infinity",
    "-1",
    "0",
    "1e309",
    "9" * 40,
    "3.5",
    "<script>alert(1)</script>",
    "{{ sandbox }}{% csrf_token %}",
    "alias/aws/s3",
    "alias/",
    "arn:aws:kms:us-east-1:111122223333:key/" + "0" * 36,
    "x" * 10_000,
    "日本語のキー",
    DEEP,
    "[" * 5000,
    '{"Version": []}',
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", '
    '"Action": "s3:GetObject", "Resource": NaN}]}',
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", '
    '"Action": "s3:*", "Resource": "\\ud800"}]}',
    '{"x-amz-meta-x-amz-key-v2": "' + "A" * 5000 + '"}',
    "a=b\nc",
    "\r\nX-Injected: 1",
]
HOSTILE_BYTES = [
    LONE_SURROGATE,
    b"a" + LONE_SURROGATE + b"b",
    "\udfff".encode("utf-8", "surrogatepass"),
    b"\xff\xfe",
    b"\xc3",
    b"\x00" * 3,
]


def wire(text: str) -> bytes:
    """``text`` as it travels: UTF-8, with any lone surrogate as its WTF-8 bytes."""
    return text.encode("utf-8", "surrogatepass")


surrogates = st.integers(0xD800, 0xDFFF).map(chr)
any_char = st.one_of(st.characters(codec=None, exclude_categories=()), surrogates)
hostile = st.one_of(
    st.sampled_from([wire(t) for t in HOSTILE_TEXT] + HOSTILE_BYTES),
    st.text(any_char, max_size=40).map(wire),
    st.binary(max_size=40),
    st.integers().map(lambda n: str(n).encode()),
    st.floats().map(lambda x: repr(x).encode()),
)

# --------------------------------------------------------------------------- the learner's lab

BUCKETS = ("fuzz-plain", "fuzz-ssec", "fuzz-policy")
BOGUS_BUCKETS = (
    "no-such-bucket",
    "b" * 64,
    "b" * 300,
    "..",
    "Upper_Case",
    "日本",
    "a\u202eb",
    "a\u200bb",
)
SSEC_KEY = s3calls.new_customer_key()
DENY_UNENCRYPTED = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:PutObject",
                "Resource": "arn:aws:s3:::fuzz-policy/*",
                "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "AES256"}},
            }
        ],
    }
)


@dataclass
class Lab:
    client: Client
    sandbox: Sandbox
    key_id: str
    alias: str = "alias/fuzz"

    def url(self, name: str, *args: Any) -> str:
        return reverse(f"web:{name}", args=[self.sandbox.pk, *args])


def build_lab() -> Lab:
    """A learner (a session, and the CSRF token a browser sends, checked as in production)
    whose sandbox holds a little of everything: buckets with SSE-S3, SSE-C allowed and a
    policy, objects, a KMS key."""
    client = Client(enforce_csrf_checks=True)
    session = client.session
    session[sandboxes.SESSION_KEY] = owner = uuid.uuid4().hex
    session.save()
    # No seed: a learner's own sandbox draws from the operating system (issue 8).
    sandbox = sandboxes.create_sandbox(owner, "Fuzzed")
    # The token as htmx sends it (hx-headers), taken from the cookie the page sets.
    assert client.get(reverse("web:sandbox", args=[sandbox.pk])).status_code == 200
    client.defaults["HTTP_X_CSRFTOKEN"] = client.cookies[settings_module.CSRF_COOKIE_NAME].value
    for bucket in BUCKETS:
        assert run(sandbox, "test", s3calls.create_bucket(bucket)).response.status == 200
    body = s3calls.encryption_xml("AES256", blocked="NONE")
    assert (
        run(sandbox, "t", s3calls.put_bucket_encryption("fuzz-ssec", body)).response.status == 200
    )
    policy = s3calls.bucket_subresource("PUT", "fuzz-policy", "policy", DENY_UNENCRYPTED.encode())
    assert run(sandbox, "t", policy).response.status in (200, 204)

    def put(bucket: str, key: str, headers: dict[str, str]) -> None:
        request = s3calls.put_object(
            bucket, key, b"hello", 5, content_type="text/plain", headers=headers
        )
        assert run(sandbox, "t", request).response.status == 200

    put("fuzz-plain", "hello.txt", {})
    put("fuzz-plain", "dir/../odd key ☃.txt", {})
    put("fuzz-ssec", "secret.txt", s3calls.sse_headers(s3calls.MODE_SSE_C, customer_key=SSEC_KEY))
    created = sandboxes.run_kms(sandbox, "CreateKey", {"Description": "fuzz"})
    key_id = str(created["KeyMetadata"]["KeyId"])
    sandboxes.run_kms(sandbox, "CreateAlias", {"AliasName": "alias/fuzz", "TargetKeyId": key_id})
    put("fuzz-plain", "kms.txt", s3calls.sse_headers(s3calls.MODE_SSE_KMS, kms_key=key_id))
    return Lab(client, sandbox, key_id)


# --------------------------------------------------------------------------- what is kept


@dataclass(frozen=True)
class State:
    sandboxes: frozenset[tuple[str, str, str, str, str, bool]]
    records: dict[tuple[str, str, str], str]
    traces: frozenset[str]
    details: int
    blobs: frozenset[tuple[str, str]]


def snapshot() -> State:
    """Everything the lab keeps: every sandbox, record, trace and blob on the site."""
    rows = Record.objects.values_list("sandbox_id", "kind", "rid", "data")
    boxes = Sandbox.objects.values_list("pk", "owner", "name", "seed", "key_salt", "is_template")
    return State(
        sandboxes=frozenset((str(p), o, n, s, k, t) for p, o, n, s, k, t in boxes),
        records={(str(s), k, r): json.dumps(d, sort_keys=True) for s, k, r, d in rows},
        traces=frozenset(str(pk) for pk in TraceRecord.objects.values_list("pk", flat=True)),
        details=TraceStepDetail.objects.count(),
        blobs=frozenset(_blobs()),
    )


def _blobs() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if not default_storage.exists("blobs"):
        return out
    folders, _ = default_storage.listdir("blobs")
    for folder in folders:
        for name in default_storage.listdir(f"blobs/{folder}")[1]:
            with default_storage.open(f"blobs/{folder}/{name}", "rb") as f:
                out.append((f"{folder}/{name}", hashlib.sha256(f.read()).hexdigest()))
    return out


def changed_records(before: State, after: State) -> set[tuple[str, str, str]]:
    keys = before.records.keys() | after.records.keys()
    return {k for k in keys if before.records.get(k) != after.records.get(k)}


def assert_unchanged(before: State, after: State, what: str) -> None:
    assert after.sandboxes == before.sandboxes, f"{what}: a sandbox changed"
    assert not changed_records(before, after), (
        f"{what}: records changed: {changed_records(before, after)}"
    )
    assert after.traces == before.traces, f"{what}: a trace was kept"
    assert after.details == before.details, f"{what}: trace details changed"
    assert after.blobs == before.blobs, f"{what}: blobs changed"


def assert_only_kms_keeps(before: State, after: State, what: str, *, lookups: bool = False) -> None:
    """The records changed are only what KMS itself keeps for calls made on the way.

    CloudTrail records every KMS call, failed ones too: an audit event (a failed call's
    with its ``errorCode``; a page's own lookups, such as the DescribeKey that turns an
    alias into the ARN UpdateObjectEncryption needs, read-only: allowed with
    ``lookups``) and KMS's request counters. DescribeKey of ``alias/aws/s3`` creates the
    AWS managed key on first use, as KMS does. At most one call failed: the one the
    response reports.
    """
    failed = 0
    for key in changed_records(before, after):
        _, kind, rid = key
        if kind == "counter":
            assert rid == "audit" or rid.startswith("kms.requests."), f"{what}: counter {rid}"
            continue
        assert key not in before.records, f"{what}: {kind} {rid} changed"
        record = json.loads(after.records[key])
        if kind == "kms_key" and record.get("KeyManager") == "AWS":
            continue
        if kind == "kms_alias" and rid == "alias/aws/s3":
            continue
        assert kind == "audit", f"{what}: {kind} {rid} created"
        if record.get("errorCode"):
            failed += 1
        else:
            assert lookups and record.get("readOnly") is True, (
                f"{what}: a successful {record.get('eventName')}"
            )
    assert failed <= 1, f"{what}: {failed} failed calls audited"


def assert_only_failed_s3_trace(before: State, after: State, response: Any, what: str) -> None:
    """A failed S3 request keeps its one trace, and no record or blob (``run_s3``)."""
    new = after.traces - before.traces
    assert len(new) == 1 and before.traces <= after.traces, f"{what}: traces {new}"
    (trace_id,) = new
    assert response["X-Lab-Trace"].rstrip("/").endswith(trace_id), what
    trace = TraceRecord.objects.get(pk=trace_id)
    assert trace.status == int(response["X-Lab-S3-Status"]) >= 300, what
    assert after.sandboxes == before.sandboxes, f"{what}: a sandbox changed"
    assert after.blobs == before.blobs, f"{what}: blobs changed"
    assert_only_kms_keeps(before, after, what, lookups=True)


def assert_only_kms_audit(before: State, after: State, what: str) -> None:
    """A failed KMS call keeps its audit event and KMS's request counters, nothing else."""
    assert after.sandboxes == before.sandboxes, f"{what}: a sandbox changed"
    assert after.traces == before.traces, f"{what}: a trace was kept"
    assert after.blobs == before.blobs, f"{what}: blobs changed"
    assert_only_kms_keeps(before, after, what)


# --------------------------------------------------------------------------- requests


@dataclass(frozen=True)
class Endpoint:
    """One form or JSON endpoint: its URL name, its fields, and what it may leave behind."""

    name: str
    fields: dict[str, tuple[str, ...]]
    target: str = "sandbox"  # or "site" (no sandbox in the address), "bucket", "kms_key", "trace"
    files: tuple[str, ...] = ()
    json: bool = False
    # "s3": answered pages carry X-Lab-S3-Status; "kms": failed KMS calls are audited.
    kind: str = "plain"


SENDER = ("alice", "bob", "anonymous")
# A scenario to import: a good one, one whose setup S3 refuses, and not a scenario at all.
SCENARIO_TEXTS = (
    json.dumps(
        {
            "format": "s3-encryption-lab/scenario",
            "version": 1,
            "title": "Fuzz",
            "buckets": [{"name": "fuzz-imported"}],
        }
    ),
    json.dumps(
        {
            "format": "s3-encryption-lab/scenario",
            "version": 1,
            "title": "Fuzz",
            "buckets": [{"name": "fuzz-imported", "policy": {"x": 1}}],
        }
    ),
    "[]",
)


def scenario_url(draw: Draw) -> str:
    slug = draw(st.sampled_from(["deny-plain-http", "lesson-sse-c", "no-such-scenario"]))
    return reverse("web:scenario", args=[slug])


TRANSPORT = ("https", "http")
READ = {
    "key": ("hello.txt", "secret.txt", "kms.txt", "missing"),
    "customer_key": (SSEC_KEY, ""),
    "sender": SENDER,
    "transport": TRANSPORT,
}

FORMS = [
    Endpoint("sandbox_start", {"content": ("demo",)}, target="site"),
    Endpoint("sandbox_create", {"name": ("Mine",), "content": ("demo", "empty")}, target="site"),
    # The class: starting one and typing a code (the site), joining, answering (a class by
    # its code), and the teacher's actions (a class by its teacher secret).
    Endpoint("class_start", {"title": ("Class",), "scenario": ("lesson-sse-s3",)}, target="site"),
    Endpoint("class_join", {"code": ("QQQQQQ",)}, target="site"),
    Endpoint("class_join_code", {"nickname": ("Ann", "")}, target="class"),
    Endpoint("class_answer", {"question": ("1",), "choice": ("a", "b")}, target="class"),
    Endpoint(
        "class_ask",
        {"kind": ("bank", "predict"), "ref": ("sse-s3-001", "sse-s3")},
        target="teacher",
    ),
    Endpoint("class_reveal", {"question": ("1",)}, target="teacher"),
    Endpoint("class_end", {}, target="teacher"),
    # Scenarios: opening a library entry (by its slug) and importing a file or pasted JSON.
    Endpoint("scenario", {}, target="scenario"),
    Endpoint("scenario_import", {"text": SCENARIO_TEXTS}, files=("file",), target="site"),
    Endpoint("sandbox_rename", {"name": ("Renamed",), "next": ("sandbox", "")}),
    Endpoint("bucket_create", {"name": ("fuzz-new", "fuzz-plain", "Bad_Name")}, kind="s3"),
    Endpoint(
        "bucket_encryption",
        {
            "algorithm": ("SSE-S3", "SSE-KMS", "DSSE-KMS"),
            "kms_key": ("alias/aws/s3", "alias/fuzz"),
            "bucket_key": ("on", ""),
            "action": ("reset", ""),
        },
        target="bucket",
        kind="s3",
    ),
    Endpoint("bucket_ssec", {"ssec": ("block", "allow")}, target="bucket", kind="s3"),
    Endpoint(
        "bucket_policy",
        {"policy": (DENY_UNENCRYPTED, "{}"), "action": ("delete", "")},
        target="bucket",
        kind="s3",
    ),
    # Trying a draft policy changes nothing, whatever is posted.
    Endpoint("policy_matrix", {"policy": (DENY_UNENCRYPTED, "{}", "")}, target="bucket"),
    Endpoint(
        "raw_request",
        {
            "operation": ("PutObject", "GetObject", "HeadObject"),
            "key": READ["key"],
            "transport": TRANSPORT,
            "sender": SENDER,
            "headers": ("x-amz-server-side-encryption: aes256", "Bad Name: 1", ""),
            "body": ("hello", ""),
        },
        target="bucket",
        kind="s3",
    ),
    Endpoint("bucket_scenario", {}, target="bucket", kind="s3"),
    Endpoint(
        "reencrypt",
        {
            "key": READ["key"],
            "method": ("copy", "update"),
            "target": ("SSE-KMS", "SSE-S3"),
            "kms_key": ("alias/aws/s3", "alias/fuzz"),
            "bucket_key": ("on",),
            "source_customer_key": (SSEC_KEY, ""),
        },
        target="bucket",
        kind="s3",
    ),
    Endpoint(
        "upload",
        {
            "key": ("up.txt", ""),
            "mode": s3calls.UPLOAD_MODES,
            "kms_key": ("alias/aws/s3", "alias/fuzz"),
            "context": ('{"project": "demo"}', "a=b"),
            "bucket_key": ("on",),
            "customer_key": (SSEC_KEY,),
            "cse_wrap": ("browser", "kms"),
            "cse_version": ("3", "2"),
            "cse_meta": ('{"x-amz-meta-x-amz-key-v2": "AAAA"}',),
            "sender": SENDER,
            "transport": TRANSPORT,
        },
        target="bucket",
        files=("file",),
        kind="s3",
    ),
    Endpoint("object", READ, target="bucket", kind="s3"),
    Endpoint("object_download", READ, target="bucket", kind="s3"),
    Endpoint("object_delete", {"key": READ["key"]}, target="bucket", kind="s3"),
    Endpoint("kms_create", {"description": ("a key",), "alias": ("alias/new", "")}, kind="kms"),
    Endpoint("audit_trail", {"data_events": ("on", "off", "zz")}),
    Endpoint(
        "kms_key_action",
        {
            "action": (
                "enable",
                "disable",
                "schedule_deletion",
                "cancel_deletion",
                "rotation_on",
                "rotation_off",
                "rotate_now",
                "put_policy",
            ),
            "days": ("7", "30"),
            "period": ("90", "365"),
            "policy": ("{}",),
        },
        target="kms_key",
        kind="kms",
    ),
    Endpoint(
        "disk_read",
        {
            "bucket": BUCKETS,
            "key": READ["key"],
            "principal": ("*", "arn:aws:iam::111122223333:user/alice"),
            "customer_key": (SSEC_KEY, ""),
        },
        kind="s3",
    ),
    Endpoint(
        "cse_data_key",
        {
            "KeyId": ("alias/fuzz",),
            "Version": ("2", "3"),
            "EncryptionContext": ("{}",),
            "Principal": SENDER,
        },
        json=True,
        kind="kms",
    ),
    Endpoint(
        "cse_decrypt_key",
        {
            "CiphertextBlob": ("AAAA",),
            "EncryptionContext": ('{"aws:x-amz-cek-alg": "115"}',),
            "KeyId": ("alias/fuzz",),
            "Principal": SENDER,
        },
        json=True,
        kind="kms",
    ),
    Endpoint(
        "quiz_start",
        {
            "mode": ("practice", "exam", "review"),
            "domain": ("sse-kms", "nope"),
            "difficulty": ("1", "9"),
            "count": ("3", "0"),
            "minutes": ("5", "0"),
        },
        target="site",
    ),
    Endpoint(
        "quiz_report",
        {
            "ref": ("sse-kms-001", "policy-request:42", "nope"),
            "message": ("typo", ""),
            "next": ("/quiz/", "https://elsewhere.example/"),
        },
        target="site",
    ),
    Endpoint(
        "quiz_answer",
        {"choice": ("a", "b", "zz"), "place-s1": ("1", "9"), "flag": ("on",), "go": ("prev", "2")},
        target="attempt",
    ),
    Endpoint("quiz_see", {}, target="attempt"),
    Endpoint("quiz_submit", {"number": ("1", "99"), "choice": ("a",)}, target="attempt"),
    Endpoint("quiz_review_start", {}, target="site"),
    Endpoint("lesson_try", {"choice": ("a", "b", "zz")}, target="lesson"),
    Endpoint("lesson_check", {"choice": ("a", "b", "zz"), "place-s1": ("1", "9")}, target="lesson"),
    Endpoint("compare_run", {"sample": ("1", "")}, files=("file",)),
    # Presenter mode's Q: the trace's share link (a snapshot of the sandbox when made).
    Endpoint("present_trace_share", {}, target="trace"),
    Endpoint(
        "share_make",
        {
            "kind": ("trace", "object", "sandbox"),
            "trace": (str(uuid.UUID(int=0)),),
            "bucket": BUCKETS,
            "key": ("hello.txt",),
        },
    ),
    Endpoint("share_revoke", {}, target="share_link"),
    Endpoint("share_copy", {}, target="share"),
    # The Connect page: access keys (the key's id in the address: no such key, hostile).
    Endpoint("connect_create", {"user": ("alice", "bob", "mallory")}),
    Endpoint("connect_switch", {"status": ("Active", "Inactive")}, target="access_key"),
    Endpoint("connect_delete", {"confirmed": ("1", "")}, target="access_key"),
    Endpoint("connect_ssec", {"allow": ("1", "0")}),
]
# Asked first, then done: exercised by their own test with a sandbox to lose.
DESTRUCTIVE = ("sandbox_reset", "sandbox_restore_demo", "sandbox_delete")
# Each runs a case that is meant to fail (its setup succeeds): tried with hostile slugs.
BREAKIT = "breakit_run"


def field_value(good: tuple[str, ...]) -> st.SearchStrategy[bytes | None]:
    """Missing (None), a value the form offers, or something hostile."""
    options: list[st.SearchStrategy[bytes | None]] = [st.none(), hostile]
    if good:
        options.append(st.sampled_from([wire(g) for g in good]))
    return st.one_of(*options)


@st.composite
def form_request(
    draw: st.DrawFn, endpoint: Endpoint
) -> tuple[list[tuple[bytes, bytes]], list[tuple[bytes, bytes, bytes]]]:
    pairs: list[tuple[bytes, bytes]] = []
    # Half the time one field is hostile and the others are what the form offers, so the
    # hostile value travels past the form's other checks into S3, KMS and the database.
    names = list(endpoint.fields)
    target: str | None = None
    if draw(st.booleans()) and names:
        target = draw(st.sampled_from(names))
    for name, good in endpoint.fields.items():
        if target is None:
            value = draw(field_value(good))
        elif name == target:
            value = draw(hostile)
        else:
            value = wire(draw(st.sampled_from(good))) if good else None
        if value is not None:
            pairs.append((name.encode(), value))
            if draw(st.integers(0, 9)) == 0:  # the field twice
                pairs.append((name.encode(), draw(hostile)))
    if draw(st.booleans()):
        pairs.append(
            (draw(st.sampled_from([b"extra", b"", b"\x00", LONE_SURROGATE])), draw(hostile))
        )
    files = []
    for name in endpoint.files:
        if draw(st.integers(0, 5)):
            filename = draw(
                st.one_of(st.sampled_from([b"a.txt", b"", b"../../x", b"\x00.txt"]), hostile)
            )
            files.append((name.encode(), filename, draw(st.binary(max_size=2048))))
    return pairs, files


def urlencoded(pairs: list[tuple[bytes, bytes]]) -> bytes:
    return b"&".join(
        quote_from_bytes(n).encode() + b"=" + quote_from_bytes(v).encode() for n, v in pairs
    )


BOUNDARY = "fuzz-7MA4YWxkTrZu0gW"


def multipart(pairs: list[tuple[bytes, bytes]], files: list[tuple[bytes, bytes, bytes]]) -> bytes:
    b = BOUNDARY.encode()
    parts = [
        b"--" + b + b'\r\nContent-Disposition: form-data; name="' + n + b'"\r\n\r\n' + v + b"\r\n"
        for n, v in pairs
    ]
    for name, filename, content in files:
        parts.append(
            b"--"
            + b
            + b'\r\nContent-Disposition: form-data; name="'
            + name
            + b'"; filename="'
            + filename
            + b'"\r\nContent-Type: application/octet-stream\r\n\r\n'
            + content
            + b"\r\n"
        )
    return b"".join(parts) + b"--" + b + b"--\r\n"


def json_value(draw: Draw, good: tuple[str, ...]) -> Any:
    leaf = st.one_of(
        st.sampled_from(list(good) + HOSTILE_TEXT[:20]),
        st.text(any_char, max_size=30),
        st.integers(),
        st.floats(),  # NaN and infinities included: json.dumps writes NaN, Infinity
        st.booleans(),
        st.none(),
    )
    tree = st.recursive(
        leaf,
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
        ),
        max_leaves=6,
    )
    value = draw(tree)
    if good and good[0].startswith("{") and draw(st.booleans()):
        value = json.loads(good[0])
    if good == ("2", "3") and draw(st.booleans()):
        value = draw(st.sampled_from([2, 3, [], {}, "3", 3.0, True]))
    return value


RAW_JSON = [
    b"",
    b"null",
    b"[]",
    b'"KeyId"',
    b"1e999999",
    DEEP.encode(),
    b'{"KeyId": ' + b"[" * 9000 + b"]" * 9000 + b"}",
    b'{"KeyId": "alias/fuzz", "EncryptionContext": ' + b'{"a":' * 5000 + b"1" + b"}" * 5000 + b"}",
    b'{"KeyId": "alias/fuzz", "Version": []}',
    b'{"KeyId": "alias/fuzz", "Version": {}}',
    b'{"KeyId": NaN}',
    b'{"KeyId": "alias/fuzz", "Version": NaN}',
    b'{"KeyId": "\\ud800"}',
    b'{"KeyId": "alias/fuzz", "EncryptionContext": {"\\udfff": "\\u0000"}}',
    b'{"KeyId": "alias/fuzz", "EncryptionContext": {"a": "\\u0000"}}',
    b'{"KeyId": "alias/fuzz", "KeyId": "alias/aws/s3"}',
    b'{"CiphertextBlob": "\\u0000", "EncryptionContext": {"aws:x-amz-cek-alg": "115"}}',
    b'{"CiphertextBlob": "'
    + b"A" * 15000
    + b'", "EncryptionContext": {"aws:x-amz-cek-alg": "115"}}',
    b"\xff\xfe{}",
    b'{"KeyId": "alias/fuzz"' + LONE_SURROGATE + b"}",
]


@st.composite
def json_body(draw: st.DrawFn, endpoint: Endpoint) -> bytes:
    if draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(RAW_JSON))
    data: dict[str, Any] = {}
    names = list(endpoint.fields)
    target = draw(st.sampled_from(names)) if draw(st.booleans()) else None
    for name, good in endpoint.fields.items():
        if target is None or name == target:
            if draw(st.integers(0, 4)):
                data[name] = json_value(draw, good)
        else:  # what static/js/cse/page.js sends
            text = draw(st.sampled_from(good))
            data[name] = json.loads(text) if text[:1] in "{0123456789" else text
    return wire(json.dumps(data, ensure_ascii=draw(st.booleans())))


def target_url(lab: Lab, endpoint: Endpoint, draw: Draw) -> str:
    """The endpoint's address: a real or a bogus bucket or key, as it travels (quoted)."""
    if endpoint.target == "site":
        return reverse(f"web:{endpoint.name}")
    if endpoint.target == "sandbox":
        return lab.url(endpoint.name)
    if endpoint.target == "attempt":
        return quiz_url(lab, endpoint.name, draw)
    if endpoint.target == "lesson":
        return lesson_url(endpoint.name, draw)
    if endpoint.target == "trace":
        trace = lab.sandbox.traces.order_by("created").first()
        assert trace is not None
        return lab.url(endpoint.name, draw(st.sampled_from([str(trace.pk), str(uuid.uuid4())])))
    if endpoint.target in ("share", "share_link"):
        return share_url(lab, endpoint.name, draw)
    if endpoint.target in ("class", "teacher"):
        return class_url(lab, endpoint.name, endpoint.target, draw)
    if endpoint.target == "scenario":
        return scenario_url(draw)
    if endpoint.target == "bucket":
        segment = draw(st.sampled_from(BUCKETS + BOGUS_BUCKETS))
    else:
        segment = draw(
            st.sampled_from(
                [lab.key_id, lab.alias, "alias/aws/s3", "no-such-key", "k" * 300, "a\u202eb"]
            )
        )
    return lab.url(endpoint.name, "PLACEHOLDER").replace("PLACEHOLDER", quote(segment, safe=""))


CONTENT_TYPES = [
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=" + BOUNDARY,
    "application/json",
    "text/plain",
    "multipart/form-data",  # no boundary
    "application/x-www-form-urlencoded; charset=latin-1",
    "x/\x00",
]


def send(lab: Lab, endpoint: Endpoint, draw: Draw) -> tuple[Any, str]:
    """One hostile POST to ``endpoint``; returns the response and what it was (for messages)."""
    url = target_url(lab, endpoint, draw)
    headers = {"HX-Request": "true"} if draw(st.integers(0, 7)) == 0 else {}
    token = draw(st.sampled_from(["valid"] * 18 + ["missing", "forged"]))
    if token != "valid":  # an old page, cleared cookies, a forged form: 403, nothing changes
        headers["X-CSRFToken"] = "" if token == "missing" else "f" * 32
    if endpoint.json:
        body = draw(json_body(endpoint))
        content_type = draw(st.sampled_from(["application/json"] * 4 + CONTENT_TYPES))
    else:
        pairs, files = draw(form_request(endpoint))
        wanted = "multipart" if files or endpoint.files else "urlencoded"
        style = draw(st.sampled_from([wanted] * 6 + ["urlencoded", "multipart", "other"]))
        if style == "multipart":
            body, content_type = multipart(pairs, files), CONTENT_TYPES[1]
        elif style == "urlencoded":
            body, content_type = urlencoded(pairs), CONTENT_TYPES[0]
        else:
            body, content_type = urlencoded(pairs), draw(st.sampled_from(CONTENT_TYPES[2:]))
    # generic(), not post(): post() re-encodes a body for the charset its type names,
    # and the bytes must travel exactly as drawn.
    response = lab.client.generic(
        "POST", url, data=body, content_type=content_type, headers=headers
    )
    return response, f"POST {url} {content_type} {headers} {body[:300]!r}"


def check(
    before: State, after: State, endpoint: Endpoint, response: Any, what: str, htmx: bool
) -> None:
    assert response.status_code < 500, what
    assert_a_labs_answer(response, what)
    if "X-Lab-S3-Status" in response and int(response["X-Lab-S3-Status"]) >= 300:
        assert_only_failed_s3_trace(before, after, response, what)
    elif response.status_code >= 400:
        if endpoint.kind == "kms":
            assert_only_kms_audit(before, after, what)
        else:
            assert_unchanged(before, after, what)
    # NOTE: an htmx form error is a 200 (htmx swaps only 2xx), so without the S3 status
    # header an htmx answer cannot be told from a success here; only its status is checked.
    del htmx


def assert_a_labs_answer(response: Any, what: str) -> None:
    """An error is the lab's own page, or KMS's JSON error: never Django's bare page."""
    if response.status_code < 400:
        return
    if response["Content-Type"].startswith("application/json"):
        assert "__type" in response.json(), what
    else:
        assert b"S3 Encryption Lab" in response.content, what


def test_every_url_of_the_lab_is_fuzzed() -> None:
    """A new page or endpoint must join the fuzz test: this lists every URL name."""
    names: set[str] = set()

    def walk(patterns: list[Any]) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(pattern.name)

    walk(get_resolver().url_patterns)
    covered = {e.name for e in FORMS} | set(DESTRUCTIVE) | {BREAKIT} | set(PAGES)
    web = {n for n in names if reverse_is_web(n)}
    assert web <= covered, f"not fuzzed: {sorted(web - covered)}"


def reverse_is_web(name: str) -> bool:
    from simulator.web import urls

    return any(getattr(p, "name", None) == name for p in urls.urlpatterns)


@given(data=st.data())
@FUZZ
def test_hostile_posts_never_fail_the_server_and_errors_change_nothing(data: st.DataObject) -> None:
    lab = LAB.get()
    endpoint = data.draw(st.sampled_from(FORMS), label="endpoint")
    live_share_link(lab)
    live_class(lab)
    before = snapshot()
    response, what = send(lab, endpoint, data.draw)
    after = snapshot()
    check(before, after, endpoint, response, what, False)


class _LabOnce:
    """One learner's lab for all of a test's examples (built inside the test's database)."""

    def __init__(self) -> None:
        self.lab: Lab | None = None

    def get(self) -> Lab:
        if self.lab is None or not Sandbox.objects.filter(pk=self.lab.sandbox.pk).exists():
            self.lab = build_lab()
        return self.lab

    def reset(self) -> None:
        self.lab = None


LAB = _LabOnce()


@pytest.fixture(autouse=True)
def _fresh_lab(db: None, settings: Any) -> Any:
    # Rate limits have tests of their own (test_ratelimits.py). Here one client sends
    # hundreds of requests at machine speed: they must not be refused, nor use up the
    # address's budget in the cache the tests that follow share.
    settings.RATELIMIT_ENABLE = False
    LAB.reset()
    yield
    LAB.reset()


# --------------------------------------------------------------------------- pages (GET)

QUERY_NAMES = (
    "key",
    "q",
    "page",
    "step",
    "all",
    "token",
    "preset",
    "panel",
    "done",
    "format",
    "bucket",
    "event",
    "principal",
    "customer_key",
    "sender",
    "transport",
    "domain",
    "attempt",
    "set",
)
PATH_SEGMENTS = [
    "b" * 64,
    "b" * 300,
    "..",
    "%2e%2e",
    "a%00b",
    "%00",
    "%ED%A0%80",
    "%FF%FE",
    quote("\u202e\u200b日本"),
    quote("x" * 2000),
]
PAGES: dict[str, str] = {
    "home": "",
    "jsi18n": "",
    "sandboxes": "",
    "sandbox": "sandbox",
    "bucket": "bucket",
    "upload": "bucket",
    "object": "bucket",
    "object_download": "bucket",
    "traces": "sandbox",
    "trace": "trace",
    "trace_json": "trace",
    "kms": "sandbox",
    "kms_key": "kms_key",
    "audit": "sandbox",
    "disk": "sandbox",
    "breakit": "sandbox",
    "cse": "sandbox",
    "compare": "sandbox",
    "compare_modes": "sandbox",
    "compare_result": "bucket",
    "quiz": "",
    "quiz_attempt": "attempt",
    "quiz_question": "attempt",
    "quiz_results": "attempt",
    "quiz_review": "",
    "quiz_history": "",
    "quiz_export_csv": "",
    "quiz_export_anki": "",
    "lessons": "",
    "lesson": "lesson",
    "glossary": "",
    "scenarios": "",
    "scenario": "scenario",
    "scenario_import": "",
    "scenario_export": "sandbox",
    "present_trace": "trace",
    "present_trace_speaker": "trace",
    "present_lesson": "lesson",
    "present_lesson_speaker": "lesson",
    "share_list": "sandbox",
    "connect": "sandbox",
    "share": "share",
    "share_object": "share",
    "share_trace": "share",
    "class_start": "",
    "class_join": "",
    "class_join_code": "class",
    "class_student": "class",
    "class_student_live": "class",
    "class_teacher": "teacher",
    "class_teacher_live": "teacher",
    "class_results": "teacher",
    "class_results_csv": "teacher",
}


def live_class(lab: Lab) -> None:
    """A live class the lab's learner has joined, with a question asked (made before a
    test's snapshot is taken: joining builds the learner's sandbox)."""
    from simulator.web.classroom import codes, service
    from simulator.web.classroom.models import Classroom

    live = Classroom.objects.filter(
        secret_hash=codes.secret_hash(CLASS.get("secret", "")), state="open"
    )
    if not live.exists():
        classroom, secret = service.start_class("Fuzz", scenario_slug="lesson-sse-s3")
        service.join(classroom, lab.sandbox.owner, "fuzz", 300)
        service.ask_bank(classroom, "sse-s3-001")
        CLASS.update(secret=secret, code=classroom.code)


def class_url(lab: Lab, name: str, target: str, draw: Draw) -> str:
    """A class's address: the live class by its real code or teacher secret, a made-up
    one, or a hostile segment."""
    from simulator.web.classroom import codes

    live_class(lab)
    real = CLASS["secret"] if target == "teacher" else CLASS["code"]
    made_up = codes.new_secret() if target == "teacher" else "QQQQQQ"
    segment = draw(st.sampled_from([real, real, made_up, *PATH_SEGMENTS]))
    return reverse(f"web:{name}", args=["PLACEHOLDER"]).replace(
        "PLACEHOLDER", quote(segment, safe="")
    )


# The class the fuzz tests use (made in the test's database on first use).
CLASS: dict[str, str] = {}


def live_share_link(lab: Lab) -> Any:
    """A live share link of the lab's sandbox (made before a test's snapshot is taken)."""
    from simulator.web.share import links
    from simulator.web.share.models import ShareLink

    found = ShareLink.objects.filter(source=lab.sandbox, revoked_at=None).first()
    return found or links.share_sandbox(lab.sandbox)


def share_url(lab: Lab, name: str, draw: Draw) -> str:
    """A share link's address: a live link's token, a forged one, or a hostile segment (and
    for a trace of it, a real trace of its snapshot or none)."""
    from simulator.web.share import links

    link = live_share_link(lab)
    if name == "share_revoke":
        link_id = draw(st.sampled_from([link.pk, "abcdefg", *PATH_SEGMENTS]))
        return lab.url(name, "PLACEHOLDER").replace("PLACEHOLDER", quote(link_id, safe=""))
    token = draw(st.sampled_from([links.token_of(link), "abcdefghjkmn", *PATH_SEGMENTS]))
    args: list[str] = ["PLACEHOLDER"]
    if name == "share_trace":
        trace = link.snapshot.traces.order_by("created").first()
        args.append(draw(st.sampled_from([str(uuid.uuid4())] + ([str(trace.pk)] if trace else []))))
    return reverse(f"web:{name}", args=args).replace("PLACEHOLDER", quote(token, safe=""))


def lesson_url(name: str, draw: Draw) -> str:
    """A lesson's address: a lesson with a Try it, the summary, or no lesson at all."""
    from simulator import lessons

    course = lessons.course()
    slug = draw(st.sampled_from([course[0].slug, course[-1].slug, "no-such-lesson"]))
    if name == "lesson_check":
        return reverse(f"web:{name}", args=[slug, draw(st.sampled_from([1, 2, 999]))])
    return reverse(f"web:{name}", args=[slug])


def quiz_url(lab: Lab, name: str, draw: Draw) -> str:
    """An attempt's address: the learner's own exam, another learner's, or none at all."""
    from simulator.web.quiz import attempts

    owner = lab.sandbox.owner
    mine = QuizAttempt.objects.filter(learner=owner).first() or attempts.start(
        owner, attempts.Config("exam", (), None, 3, 30)
    )
    theirs = QuizAttempt.objects.filter(learner="someone-else").first() or attempts.start(
        "someone-else", attempts.Config("practice", (), None, 2, None)
    )
    attempt_id = draw(st.sampled_from([mine.pk, theirs.pk, uuid.uuid4()]))
    if name in ("quiz_question", "quiz_answer", "quiz_see"):
        return reverse(f"web:{name}", args=[attempt_id, draw(st.sampled_from([1, 2, 999]))])
    return reverse(f"web:{name}", args=[attempt_id])


@st.composite
def query_string(draw: st.DrawFn) -> bytes:
    pairs = [
        (draw(st.sampled_from(QUERY_NAMES)).encode(), draw(hostile))
        for _ in range(draw(st.integers(0, 3)))
    ]
    if draw(st.integers(0, 9)) == 0:
        pairs.append((b"huge", b"q" * 20_000))
    return urlencoded(pairs)


def page_url(lab: Lab, name: str, draw: Draw) -> str:
    kind = PAGES[name]
    if not kind:
        return reverse(f"web:{name}")
    if kind == "sandbox":
        return lab.url(name)
    if kind == "attempt":
        return quiz_url(lab, name, draw)
    if kind == "lesson":
        return lesson_url(name, draw)
    if kind == "share":
        return share_url(lab, name, draw)
    if kind in ("class", "teacher"):
        return class_url(lab, name, kind, draw)
    if kind == "scenario":
        return scenario_url(draw)
    placeholder = "PLACEHOLDER"
    if kind == "trace":
        trace = lab.sandbox.traces.order_by("created").first()
        assert trace is not None
        pk = draw(st.sampled_from([str(trace.pk), str(uuid.uuid4())]))
        return lab.url(name, pk)
    real = list(BUCKETS) if kind == "bucket" else [lab.key_id, "alias/fuzz".replace("/", "%2F")]
    segment = draw(st.sampled_from([quote(r) for r in real] + PATH_SEGMENTS))
    return lab.url(name, placeholder).replace(placeholder, segment)


@given(data=st.data())
@FUZZ
def test_every_page_with_hostile_paths_and_queries_is_never_a_server_error(
    data: st.DataObject,
) -> None:
    lab = LAB.get()
    name = data.draw(st.sampled_from(sorted(PAGES)), label="page")
    url = page_url(lab, name, data.draw)
    query = data.draw(query_string())
    headers = {"HX-Request": "true"} if data.draw(st.booleans()) else {}
    before = snapshot()
    response = lab.client.get(url + ("?" + query.decode() if query else ""), headers=headers)
    after = snapshot()
    what = f"GET {url}?{query[:300]!r} {headers}"
    assert response.status_code < 500, what
    assert_a_labs_answer(response, what)
    if "X-Lab-S3-Status" in response and int(response["X-Lab-S3-Status"]) >= 300:
        # A download link is a GetObject: refused, it keeps its trace as S3 requests do.
        assert_only_failed_s3_trace(before, after, response, what)
    elif name == "object_download" and response.status_code == 200:
        pass  # a download: a learner's GetObject, with its trace
    else:  # issue 8: a page view writes nothing
        assert_unchanged(before, after, what)


# --------------------------------------------------------------------------- asked first


@given(
    name=st.sampled_from(DESTRUCTIVE),
    confirmed=st.one_of(st.none(), hostile),
    htmx=st.booleans(),
    other=st.booleans(),
)
@settings(FUZZ, max_examples=max(1, EXAMPLES // 4))
def test_reset_and_delete_change_nothing_until_the_learner_says_yes(
    name: str, confirmed: bytes | None, htmx: bool, other: bool
) -> None:
    lab = LAB.get()
    # Another learner's sandbox id: a 404, whatever the form says.
    target = sandboxes.create_sandbox("someone-else", "theirs").pk if other else lab.sandbox.pk
    pairs = [(b"confirmed", confirmed)] if confirmed is not None else []
    before = snapshot()
    response = lab.client.post(
        reverse(f"web:{name}", args=[target]),
        data=urlencoded(pairs),
        content_type=CONTENT_TYPES[0],
        headers={"HX-Request": "true"} if htmx else {},
    )
    after = snapshot()
    assert response.status_code < 500
    if other:  # not theirs: a 404 (or a 400 first, for a NUL the lab cannot keep)
        assert response.status_code in (400, 404)
    if other or (confirmed != b"1" and not htmx):
        assert_unchanged(before, after, f"{name} confirmed={confirmed!r}")


@given(
    slug=st.one_of(
        st.sampled_from([c.slug for c in cases.CASES[:2]]), st.text(any_char, max_size=80)
    )
)
@settings(FUZZ, max_examples=max(1, EXAMPLES // 8))
def test_break_it_with_hostile_slugs(slug: str) -> None:
    lab = LAB.get()
    before = snapshot()
    response = lab.client.post(lab.url(BREAKIT, "SLUG").replace("SLUG", quote(wire(slug))))
    assert response.status_code < 500, slug
    if response.status_code >= 400:
        assert_unchanged(before, snapshot(), slug)


# --------------------------------------------------------------------------- known examples
# The inputs issue 8 reported, each answered in AWS's words where AWS has them.


def _post_json(lab: Lab, name: str, body: bytes, content_type: str = "application/json") -> Any:
    return lab.client.generic("POST", lab.url(name), data=body, content_type=content_type)


@pytest.mark.parametrize(
    ("body", "code", "words"),
    [
        (b'{"KeyId": "alias/fuzz", "EncryptionContext": ' + b"[" * 10_000 + b"]" * 10_000 + b"}",
         "ValidationException", "too large"),
        (b'{"KeyId": "alias/fuzz", "EncryptionContext": ' + b'{"a":' * 2000 + b'"b"' + b"}" * 2000
         + b"}", "SerializationException", "nested too deeply"),
        (b'{"KeyId": "alias/fuzz", "Version": []}', "ValidationException", "Version must be 2 or 3"),
        (b'{"KeyId": "alias/fuzz", "Version": NaN}', "SerializationException", "NaN"),
        (b'{"KeyId": "alias/\\ud800"}', "SerializationException", "lone surrogate"),
        (b'{"KeyId": "alias/fuzz", "EncryptionContext": {"a": "\\u0000"}}', "ValidationException",
         "U+0000"),
        (b"KeyId=alias%2Ffuzz", "SerializationException", "application/json"),
    ],
)  # fmt: skip
def test_a_malformed_data_key_request_is_a_kms_error_and_changes_nothing(
    body: bytes, code: str, words: str
) -> None:
    lab = LAB.get()
    content_type = "application/json" if body.startswith(b"{") else CONTENT_TYPES[0]
    before = snapshot()

    response = _post_json(lab, "cse_data_key", body, content_type)

    assert response.status_code == 400
    assert response.json()["__type"] == code
    assert words in response.json()["message"]
    assert_unchanged(before, snapshot(), "data key")


def test_deeply_nested_cse_metadata_is_refused_beside_the_form() -> None:
    lab = LAB.get()
    before = snapshot()
    body = multipart(
        [(b"mode", b"CSE"), (b"sender", b"alice"), (b"transport", b"https"),
         (b"cse_meta", b"[" * 4000)],
        [(b"file", b"a.txt", b"ciphertext")],
    )  # fmt: skip

    response = lab.client.generic(
        "POST", lab.url("upload", "fuzz-plain"), data=body, content_type=CONTENT_TYPES[1]
    )

    assert response.status_code == 400
    assert "The client-side envelope is not valid JSON." in response.content.decode()
    assert_unchanged(before, snapshot(), "cse meta")


KEY_POLICIES = {
    "nested": "[" * 10_000 + "]" * 10_000,
    "NaN": '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": '
    '{"AWS": "*"}, "Action": "kms:*", "Resource": NaN}]}',
    "lone surrogate": '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
    '"Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "\\ud800"}]}',
}


@pytest.mark.parametrize("what", sorted(KEY_POLICIES))
def test_a_malformed_key_policy_is_kms_malformed_policy_document(what: str) -> None:
    """PutKeyPolicy: KMS answers MalformedPolicyDocumentException; only its audit event stays."""
    lab = LAB.get()
    before = snapshot()

    response = lab.client.post(
        lab.url("kms_key_action", lab.key_id),
        {"action": "put_policy", "policy": KEY_POLICIES[what]},
    )

    assert response.status_code == 400
    assert "MalformedPolicyDocumentException" in response.content.decode()
    assert_only_kms_audit(before, snapshot(), what)


BUCKET_POLICIES = {
    "nested": "[" * 9000 + "]" * 9000,
    "NaN": '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", '
    '"Action": "s3:GetObject", "Resource": NaN}]}',
    "lone surrogate": '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
    '"Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::fuzz-plain/\\ud800"}]}',
}


@pytest.mark.parametrize("what", sorted(BUCKET_POLICIES))
def test_a_malformed_bucket_policy_is_s3_malformed_policy_with_its_trace(what: str) -> None:
    """PutBucketPolicy: 400 MalformedPolicy beside the field; the trace is kept, nothing else."""
    lab = LAB.get()
    before = snapshot()

    response = lab.client.post(
        lab.url("bucket_policy", "fuzz-plain"), {"policy": BUCKET_POLICIES[what]}
    )

    assert response["X-Lab-S3-Status"] == "400"
    assert "MalformedPolicy" in response.content.decode()
    assert_only_failed_s3_trace(before, snapshot(), response, what)


@pytest.mark.parametrize("field", ["bucket", "key"])
def test_a_nul_spelled_in_a_policy_is_refused_before_s3_or_kms(field: str) -> None:
    lab = LAB.get()
    policy = DENY_UNENCRYPTED.replace("AES256", "AES\\u0000256")
    before = snapshot()

    if field == "bucket":
        response = lab.client.post(lab.url("bucket_policy", "fuzz-plain"), {"policy": policy})
    else:
        response = lab.client.post(
            lab.url("kms_key_action", lab.key_id), {"action": "put_policy", "policy": policy}
        )

    assert response.status_code == 400
    assert "The lab cannot keep the NUL character (U+0000)" in response.content.decode()
    assert_unchanged(before, snapshot(), "NUL in a policy")


@pytest.mark.parametrize("length", [64, 255])  # the form takes up to 255
def test_a_bucket_name_over_63_characters_is_invalid_bucket_name_and_its_trace_is_kept(
    length: int,
) -> None:
    """[S3] bucket names are 3 to 63 characters; the refused request's trace names it whole."""
    lab = LAB.get()
    before = snapshot()

    response = lab.client.post(lab.url("bucket_create"), {"name": "b" * length})

    assert response["X-Lab-S3-Status"] == "400"
    assert "InvalidBucketName" in response.content.decode()
    assert_only_failed_s3_trace(before, snapshot(), response, "long bucket")
    (trace_id,) = snapshot().traces - before.traces
    assert TraceRecord.objects.get(pk=trace_id).bucket == "b" * length


@pytest.mark.parametrize("language", ["en", "ja"])
def test_a_nul_in_an_address_gets_the_labs_own_page_in_the_learners_language(
    language: str,
) -> None:
    lab = LAB.get()
    before = snapshot()

    response = lab.client.get(
        lab.url("object", "fuzz-plain") + "?key=a%00b", headers={"Accept-Language": language}
    )

    assert response.status_code == 400
    text = response.content.decode()
    expected = "リクエストに NUL 文字が含まれています" if language == "ja" else "NUL character"
    assert expected in text and "Traceback" not in text
    assert_unchanged(before, snapshot(), "NUL in the address")


def test_a_body_django_cannot_read_gets_the_labs_own_400_page() -> None:
    lab = LAB.get()
    before = snapshot()

    response = lab.client.generic(
        "POST", lab.url("kms_create"), data=b"--x\r\n", content_type="multipart/form-data"
    )

    assert response.status_code == 400
    assert "The lab could not read this request" in response.content.decode()
    assert_unchanged(before, snapshot(), "unreadable body")


def test_the_disk_inspector_reads_only_an_object_it_shows() -> None:
    lab = LAB.get()
    before = snapshot()
    alice = "arn:aws:iam::111122223333:user/alice"

    missing = lab.client.post(
        lab.url("disk_read"), {"bucket": "fuzz-plain", "key": "missing", "principal": alice}
    )
    nothing = lab.client.post(
        lab.url("disk_read"), {"principal": alice}, headers={"HX-Request": "true"}
    )

    assert missing.status_code == 404
    assert nothing.status_code == 200 and "X-Lab-S3-Status" not in nothing
    assert_unchanged(before, snapshot(), "disk read of nothing")
    # A refused read (SSE-C without its key) says what S3 answered, as the lab's pages do.
    refused = lab.client.post(
        lab.url("disk_read"), {"bucket": "fuzz-ssec", "key": "secret.txt", "principal": alice}
    )
    assert refused.status_code == 200 and refused["X-Lab-S3-Status"] == "400"


def test_a_form_body_in_another_charset_gets_the_labs_400_page_not_a_server_error() -> None:
    """Django refuses a form body that is not UTF-8 while the CSRF check reads it; its error
    page must not read it again (that would be the same refusal, as a server error)."""
    lab = LAB.get()
    before = snapshot()

    response = lab.client.generic(
        "POST",
        lab.url("bucket_create"),
        data=b"name=caf%E9",
        content_type="application/x-www-form-urlencoded; charset=latin-1",
    )

    assert response.status_code == 400
    assert "The lab could not read this request" in response.content.decode()
    assert_unchanged(before, snapshot(), "latin-1 body")


@pytest.mark.parametrize(("language", "title"), [("en", "This form has expired"),
                                                 ("ja", "このフォームは有効期限が切れています")])  # fmt: skip
def test_a_form_without_a_valid_csrf_token_gets_the_labs_403_page(
    language: str, title: str
) -> None:
    lab = LAB.get()
    before = snapshot()

    response = lab.client.post(
        lab.url("bucket_create"),
        {"name": "fuzz-new"},
        headers={"X-CSRFToken": "f" * 32, "Accept-Language": language},
    )

    assert response.status_code == 403
    assert title in response.content.decode()
    assert_unchanged(before, snapshot(), "forged token")
