"""The served lab: server time and database queries per page, and memory for big files.

    .venv/bin/python bench/web.py            # the full run (50 requests per page)
    .venv/bin/python bench/web.py --quick    # 10 requests per page, a smaller upload check
    DATABASE_URL=postgres://... .venv/bin/python bench/web.py   # on PostgreSQL

Pages (issue 4, goal: every lab page and htmx partial at p95 <= 50 ms server time for
a sandbox with 100 objects and 1,000 trace steps). A learner's sandbox is built
through the engine, as the lab's views build it: buckets in SSE-S3, SSE-KMS with a
customer managed key and a bucket key, SSE-C and client-side (CSE) modes, 100 objects,
reads, a failed SSE-C read, KMS key actions, two Break it cases, one DeleteObjects of
500 keys (a policy decision and a deletion per key: about 1,000 steps, 3.5 MB of JSON)
and a 1,000-step trace of policy and KMS steps. Each page is then requested
through Django's test ``Client`` with that learner's session, full and (where the page
has one) as its htmx partial; the time around ``client.get`` is the server time (no
network), and the queries of one request are counted with ``CaptureQueriesContext``.
The baseline, measured in the same run, is a bare ``HttpResponse`` through the same
middleware. A stored trace's rendered page and JSON export are kept in the trace cache
(issue 9): the first request of a page is its cold render ("cold ms", printed beside the
warm p50 and p95; a cold 1,000-step page or export may exceed the goal once).

Memory (goal: a 100 MiB upload streams through with peak memory growth <= 64 MiB):
see ``bench/web_upload.py``, which this script runs after the pages.

The database is a throwaway SQLite file in a temporary folder; with ``DATABASE_URL``
set, a throwaway database is created on that server instead (``bench/web_env.py``).
Exit status 1 if a goal is missed.
"""

from __future__ import annotations

import argparse
import base64
import gc
import hashlib
import math
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import web_env

GOAL_MS = 50.0
HX = {"HTTP_HX_REQUEST": "true"}


@dataclass
class Page:
    label: str
    path: str
    params: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    goal: bool = True
    streaming: bool = False
    # A form to POST instead of a GET (a view that reads a draft and writes nothing).
    data: dict[str, str] | None = None


@dataclass
class Timing:
    page: Page
    status: int
    queries: int
    size: int
    times_ms: list[float]
    first_ms: float  # the first request: cold caches (the trace cache too), its queries logged

    @property
    def p50(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.times_ms)
        return ordered[max(math.ceil(0.95 * len(ordered)) - 1, 0)]

    @property
    def ok(self) -> bool:
        return not self.page.goal or self.p95 <= GOAL_MS


# --------------------------------------------------------------------------- the sandbox


@dataclass
class Built:
    sandbox: Any
    client: Any
    key_id: str
    objects: int
    traces: int
    steps: int
    long_trace: str
    long_steps: int
    heavy_trace: str
    upload_trace: str
    failed_trace: str
    kms_object: str
    ssec_object: str
    cse_object: str


def build() -> Built:
    """A learner with one sandbox holding what the issue's goal names."""
    from django.test import Client

    from simulator.engine import S3Request, cse
    from simulator.web import sandboxes
    from simulator.web.breakit import cases
    from simulator.web.lab import s3calls
    from simulator.web.lab.presets import PRESETS_BY_CODE
    from simulator.web.lab.running import run
    from simulator.web.models import Record, Sandbox, TraceRecord

    client = Client()
    first = client.post("/lab/start/")  # "Open the demo": the learner's first sandbox
    assert first.status_code == 302, first.status_code
    owner = client.session[sandboxes.SESSION_KEY]
    sandbox = Sandbox.objects.get(owner=owner)

    def s3(request: S3Request, action: str = "bench", expect: int = 200) -> Any:
        outcome = run(sandbox, action, request)
        if outcome.response.status != expect:
            raise SystemExit(
                f"setup: {request.method} /{request.bucket}/{request.key} gave "
                f"{outcome.response.status} {outcome.response.error_code}"
            )
        return outcome

    def put(bucket: str, key: str, body: bytes, headers: dict[str, str]) -> Any:
        request = s3calls.put_object(
            bucket, key, body, len(body), content_type="text/plain", headers=headers
        )
        return s3(request, "upload")

    created = sandboxes.run_kms(sandbox, "CreateKey", {"Description": "bench customer key"})
    key_id = str(created["KeyMetadata"]["KeyId"])
    arn = str(created["KeyMetadata"]["Arn"])
    sandboxes.run_kms(sandbox, "CreateAlias", {"AliasName": "alias/bench", "TargetKeyId": key_id})
    # More customer keys, so the key pickers and the console list have rows.
    for n in range(4):
        more = sandboxes.run_kms(sandbox, "CreateKey", {"Description": f"spare key {n}"})
        if n % 2 == 0:
            sandboxes.run_kms(
                sandbox,
                "CreateAlias",
                {"AliasName": f"alias/spare-{n}", "TargetKeyId": more["KeyMetadata"]["KeyId"]},
            )

    def body(n: int) -> bytes:
        return f"object {n}: {'lorem ipsum ' * 40}\n".encode()

    kms = s3calls.sse_headers(
        s3calls.MODE_SSE_KMS, kms_key=arn, bucket_key=True, context={"team": "bench"}
    )
    ssec_key = s3calls.b64(hashlib.sha256(b"bench ssec key").digest())
    ssec = s3calls.sse_headers(s3calls.MODE_SSE_C, customer_key=ssec_key)
    sse_s3 = s3calls.sse_headers(s3calls.MODE_SSE_S3)

    n = 0
    # SSE-S3 by default and by header.
    s3(s3calls.create_bucket("bench-sse-s3"))
    s3(s3calls.put_bucket_encryption("bench-sse-s3", s3calls.encryption_xml("AES256")))
    for i in range(20):
        put("bench-sse-s3", f"plain/{i:03d}.txt", body(n), sse_s3 if i % 2 else {})
        n += 1
    # SSE-KMS: a customer managed key with a bucket key, as the default and by header.
    s3(s3calls.create_bucket("bench-kms"))
    s3(
        s3calls.put_bucket_encryption(
            "bench-kms", s3calls.encryption_xml("aws:kms", kms_key="alias/bench", bucket_key=True)
        )
    )
    for i in range(20):
        put("bench-kms", f"kms/{i:03d}.txt", body(n), kms if i % 2 else {})
        n += 1
    # A lesson's Try it, run for the learner (issue 11): the lesson page shows its verdict.
    from simulator import lessons
    from simulator.web.lessons import tryit

    tryit.run(sandbox.owner, next(x for x in lessons.course() if x.try_it is not None), "a")
    # SSE-C, unblocked (7 objects: with the heavy upload below and the two objects of
    # the Break it cases, the sandbox holds 100).
    s3(s3calls.create_bucket("bench-ssec"))
    s3(
        s3calls.put_bucket_encryption(
            "bench-ssec", s3calls.encryption_xml("AES256", blocked="NONE")
        )
    )
    for i in range(7):
        put("bench-ssec", f"ssec/{i:03d}.bin", body(n), ssec)
        n += 1
    # One bucket with every mode side by side, a full page of the bucket's object list.
    mixed = "bench-mixed"
    s3(s3calls.create_bucket(mixed))
    s3(s3calls.put_bucket_encryption(mixed, s3calls.encryption_xml("AES256", blocked="NONE")))
    wrapping = bytes(32)
    for i in range(50):
        kind = i % 5
        key = f"mixed/{i:03d}-{['default', 'sse-s3', 'sse-kms', 'sse-c', 'cse'][kind]}.bin"
        if kind == 4:
            sealed, meta = cse.encrypt(body(n), cse.AESWrap(wrapping))
            put(mixed, key, sealed, dict(meta))
        else:
            put(mixed, key, body(n), [{}, sse_s3, kms, ssec][kind])
        n += 1
    policy = PRESETS_BY_CODE["require-aes256"].document(mixed).encode()
    s3(s3calls.bucket_subresource("PUT", mixed, "policy", policy), "bucket.policy", 204)

    # Reads, and a read that fails (the wrong SSE-C key).
    upload_trace = str(
        TraceRecord.objects.filter(sandbox=sandbox, action="upload")
        .order_by("-created")
        .values_list("pk", flat=True)[0]
    )
    for i in range(1, 20, 2):
        s3(s3calls.object_request("GET", "bench-kms", f"kms/{i:03d}.txt"), "object.get")
        s3(s3calls.object_request("HEAD", "bench-sse-s3", f"plain/{i:03d}.txt"), "object.head")
    wrong = s3calls.b64(bytes(32))
    failed = s3(
        s3calls.object_request("GET", "bench-ssec", "ssec/001.bin", customer_key=wrong),
        "object.get",
        expect=403,
    )

    # KMS actions, for the console and the audit log.
    sandboxes.run_kms(sandbox, "EnableKeyRotation", {"KeyId": key_id})
    sandboxes.run_kms(sandbox, "RotateKeyOnDemand", {"KeyId": key_id})
    for _ in range(5):
        sandboxes.run_kms(sandbox, "DescribeKey", {"KeyId": key_id})

    # Break it: two cases, so its page lists recent breaks.
    for slug in ("wrong-ssec-key", "disabled-kms-key"):
        case = cases.BY_SLUG.get(slug)
        if case is not None:
            cases.run_case(sandbox, case)

    # One long trace: DeleteObjects of 500 keys (that do not exist: deleting a missing
    # key succeeds, and the 100 objects stay), in the bucket with the bucket policy. Each
    # key has its policy decision and its deletion step: about 1,000 steps, the goal's.
    names = "".join(f"<Object><Key>expired/{i:04d}.log</Key></Object>" for i in range(500))
    document = f"<Delete>{names}</Delete>".encode()
    md5 = base64.b64encode(hashlib.md5(document).digest()).decode()
    long = s3(
        S3Request(
            method="POST",
            bucket=mixed,
            query={"delete": ""},
            headers={"Content-MD5": md5, "Content-Length": str(len(document))},
            body=document,
            principal=s3calls.principal_for("alice"),
            signature_version=s3calls.signature_for("alice"),
        ),
        "objects.delete",
    )

    # The heaviest kind of step list: a policy decision and a KMS call with its CloudTrail
    # event in every step. No single request makes 1,000 of those, so this trace is a
    # real SSE-KMS upload's middle steps repeated to 1,000 (as the trace view's own
    # test of a long trace builds it), kept as a trace of its own.
    kms_policy = PRESETS_BY_CODE["require-kms"].document("bench-kms").encode()
    s3(s3calls.bucket_subresource("PUT", "bench-kms", "policy", kms_policy), "bucket.policy", 204)
    plain_kms = s3calls.sse_headers(s3calls.MODE_SSE_KMS, kms_key=arn, context={"team": "bench"})
    heavy = put("bench-kms", "kms/heavy.txt", body(n), plain_kms).trace
    n += 1
    whole = heavy.full_steps()
    middle = [s for s in whole if s["kind"] not in ("request.sent", "response.sent")]
    heavy.pk = uuid.uuid4()
    heavy.action = "bench.synthetic"
    heavy.save(force_insert=True)
    heavy.save_steps([whole[0], *(middle * (1000 // len(middle) + 1))[:998], whole[-1]])

    # The same file in every mode (issue 11): one comparison run, for its two pages.
    from simulator.web.compare import runs as compare_runs

    compare_runs.run(sandbox, compare_runs.SAMPLE_NAME, compare_runs.SAMPLE_BODY)

    traces = TraceRecord.objects.filter(sandbox=sandbox)
    steps = sum(len(t) for t in traces.values_list("steps", flat=True))
    objects = Record.objects.filter(sandbox=sandbox, kind="object").count()
    return Built(
        sandbox=sandbox,
        client=client,
        key_id=key_id,
        objects=objects,
        traces=traces.count(),
        steps=steps,
        long_trace=str(long.trace.pk),
        long_steps=len(long.trace.steps),
        heavy_trace=str(heavy.pk),
        upload_trace=upload_trace,
        failed_trace=str(failed.trace.pk),
        kms_object="kms/001.txt",
        ssec_object="ssec/001.bin",
        cse_object="mixed/004-cse.bin",
    )


# --------------------------------------------------------------------------- the pages


def pages(b: Built) -> list[Page]:
    box = f"/lab/{b.sandbox.pk}"
    mixed = f"{box}/buckets/bench-mixed"
    long = f"{box}/traces/{b.long_trace}/"
    step_panel = {**HX, "HTTP_HX_TARGET": "step-panel"}
    out = [
        Page("baseline: bare view, same middleware", "/bench/ok/", goal=False),
        Page("home", "/"),
    ]

    def both(label: str, path: str, params: dict[str, str] | None = None) -> None:
        out.append(Page(label, path, params or {}))
        out.append(Page(label + " [htmx]", path, params or {}, HX))

    both("sandboxes", "/lab/")
    from simulator import lessons

    course = lessons.course()
    tried = next(lesson for lesson in course if lesson.try_it is not None)
    out.append(Page("lessons: the course map", "/lessons/"))
    out.append(Page("lesson: after its Try it ran", f"/lessons/{tried.slug}/"))
    out.append(Page("lesson: the summary", f"/lessons/{course[-1].slug}/"))
    both("sandbox (buckets)", f"{box}/")
    both("bucket: 50 mixed objects", f"{mixed}/")
    both("bucket: SSE-KMS, 20 objects", f"{box}/buckets/bench-kms/")
    out.append(Page("bucket: policy preset [htmx]", f"{mixed}/", {"preset": "require-kms"}, HX))
    from simulator.quiz import policies

    draft = {"policy": policies.document("require-aes256", "bench-mixed")}
    matrix = f"{mixed}/policy/matrix/"
    out.append(Page("bucket: policy matrix, 48 decisions [htmx]", matrix, headers=HX, data=draft))
    both("upload form", f"{mixed}/upload/")
    both("object: SSE-KMS", f"{box}/buckets/bench-kms/object/", {"key": b.kms_object})
    both("object: SSE-C", f"{box}/buckets/bench-ssec/object/", {"key": b.ssec_object})
    both("object: CSE", f"{mixed}/object/", {"key": b.cse_object})
    out.append(
        Page(
            "object: CSE envelope JSON",
            f"{mixed}/object/download/",
            {"key": b.cse_object, "format": "cse"},
        )
    )
    out.append(
        Page(
            "object: download (GET)",
            f"{box}/buckets/bench-kms/object/download/",
            {"key": b.kms_object},
            streaming=True,
        )
    )
    both("traces", f"{box}/traces/")
    both("traces, page 3", f"{box}/traces/", {"page": "3"})
    out.append(Page("trace: upload", f"{box}/traces/{b.upload_trace}/"))
    out.append(
        Page(
            "trace: upload, step 5 [htmx]",
            f"{box}/traces/{b.upload_trace}/",
            {"step": "5"},
            step_panel,
        )
    )
    out.append(Page("trace: SSE-C 403", f"{box}/traces/{b.failed_trace}/"))
    out.append(Page(f"trace: {b.long_steps} steps", long))
    out.append(Page(f"trace: {b.long_steps} steps, step 500", long, {"step": "500"}))
    out.append(
        Page(f"trace: {b.long_steps} steps, step 500 [htmx]", long, {"step": "500"}, step_panel)
    )
    out.append(Page(f"trace: {b.long_steps} steps, all (print)", long, {"all": "1"}))
    out.append(
        Page(f"trace: {b.long_steps} steps, JSON export", f"{box}/traces/{b.long_trace}.json")
    )
    heavy = f"{box}/traces/{b.heavy_trace}/"
    out.append(Page("trace: 1000 KMS+policy steps (synthetic)", heavy))
    out.append(Page("trace: 1000 KMS+policy steps, step 500", heavy, {"step": "500"}))
    out.append(
        Page("trace: 1000 KMS+policy steps, step 500 [htmx]", heavy, {"step": "500"}, step_panel)
    )
    out.append(Page("trace: 1000 KMS+policy steps, all (print)", heavy, {"all": "1"}))
    out.append(Page("KMS console", f"{box}/kms/"))
    both("KMS key", f"{box}/kms/{b.key_id}/")
    both("audit log", f"{box}/audit/")
    both("audit log, filtered", f"{box}/audit/", {"event": "Decrypt"})
    out.append(Page("disk: all objects", f"{box}/disk/"))
    out.append(
        Page("disk: SSE-KMS object", f"{box}/disk/", {"bucket": "bench-kms", "key": b.kms_object})
    )
    out.append(
        Page("disk: CSE object", f"{box}/disk/", {"bucket": "bench-mixed", "key": b.cse_object})
    )
    out.append(Page("break it", f"{box}/break/"))
    out.append(Page("CSE workbench", f"{box}/cse/"))
    out.append(Page("compare: the same file in every mode", f"{box}/compare/"))
    out.append(Page("compare: the modes table", f"{box}/compare/modes/"))
    return out


def measure(client: Any, page: Page, repeats: int) -> Timing:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def once() -> tuple[int, int]:
        if page.data is not None:
            response = client.post(page.path, page.data, **page.headers)
        else:
            response = client.get(page.path, page.params, **page.headers)
        if page.streaming:
            size = sum(len(piece) for piece in response.streaming_content)
        else:
            size = len(response.content)
        return response.status_code, size

    # The first request warms caches and is the one whose queries are counted: for a trace
    # page it renders what the trace cache then keeps (the cold figure; p50/p95 are warm).
    with CaptureQueriesContext(connection) as queries:
        first = time.perf_counter()
        status, size = once()
        first_ms = (time.perf_counter() - first) * 1000
    # Counted now: the next request resets the connection's query log.
    count = len(queries.captured_queries)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        once()
        times.append((time.perf_counter() - start) * 1000)
    return Timing(page, status, count, size, times, first_ms)


def report(timings: list[Timing]) -> bool:
    width = max(len(t.page.label) for t in timings)
    print(
        f"{'page':<{width}}  status   cold ms  p50 ms  p95 ms  queries     KiB  "
        f"goal (p95 <= {GOAL_MS:.0f} ms)"
    )
    all_ok = True
    for t in timings:
        goal = ("ok" if t.ok else "MISSED") if t.page.goal else "(baseline)"
        all_ok = all_ok and t.ok and t.status == 200
        flag = "" if t.status == 200 else "  <- not 200"
        print(
            f"{t.page.label:<{width}}  {t.status:>6}  {t.first_ms:8.1f}  {t.p50:6.1f}  {t.p95:6.1f}  "
            f"{t.queries:>7}  {t.size / 1024:6.0f}  {goal}{flag}"
        )
    return all_ok


def run_pages(repeats: int, only: str) -> bool:
    setup_start = time.perf_counter()
    built = build()
    print(
        f"sandbox: {built.objects} objects, {built.traces} traces, {built.steps} trace steps "
        f"(the longest {built.long_steps}); built in {time.perf_counter() - setup_start:.1f} s"
    )
    print(f"requests per page: {repeats} timed, after one counted for queries\n")
    # The served app freezes what it loaded at start-up out of the garbage collector's
    # way (simulator/wsgi.py); the benchmark measures the same configuration.
    gc.collect()
    gc.freeze()
    timings = []
    for page in pages(built):
        if only and only not in page.label and not page.label.startswith("baseline"):
            continue
        timings.append(measure(built.client, page, repeats))
    ok = report(timings)
    print(f"\npages: goal p95 <= {GOAL_MS:.0f} ms on every page —", "ok" if ok else "MISSED")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer requests, a smoke run")
    parser.add_argument("--repeats", type=int, help="timed requests per page (default 50)")
    parser.add_argument("--only", default="", help="measure only pages whose label has this")
    parser.add_argument("--no-upload", action="store_true", help="skip the memory part")
    parser.add_argument("--upload-mib", type=int, default=100, help="upload size (default 100)")
    args = parser.parse_args()
    repeats = args.repeats or (10 if args.quick else 50)

    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        workdir = Path(tmp)
        sqlite = web_env.prepare(workdir)
        web_env.setup()
        web_env.create_database(sqlite)
        try:
            ok = run_pages(repeats, args.only)
            if not args.no_upload:
                import web_upload

                print()
                ok = web_upload.run(workdir, args.upload_mib) and ok
        finally:
            web_env.drop_database(sqlite)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
