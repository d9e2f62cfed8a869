"""The same file in every mode, side by side, and the comparison of the modes.

Each column is a real PutObject in the learner's sandbox, and every cell is read from
that column's stored trace. The facts a column must show are AWS's (s3-facts §1
headers, §3 SSE-C blocked on new buckets and SSE-C as a default, §5 KMS calls and
Bucket Keys, §6 SSE-C and CSE).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from simulator.engine import S3Request, readmodel, trace
from simulator.web import sandboxes, tracesteps
from simulator.web.compare import aligned, runs
from simulator.web.models import Record, TraceRecord


def run_sample(lab: Any, language: str = "en") -> Any:
    lab.client.cookies["django_language"] = language
    return lab.client.post(lab.url("compare_run"), {"sample": "1"})


def comparison(lab: Any, bucket: str = "compare-1") -> aligned.Comparison:
    found = aligned.compare(lab.sandbox, bucket)
    assert found is not None
    return found


def cell(table: list[aligned.Row], row: str, mode: str) -> aligned.Cell:
    by_slug = {r.slug: r for r in table}
    index = [m.slug for m in runs.MODES].index(mode)
    return by_slug[row].cells[index]


def texts(c: aligned.Cell) -> list[str]:
    return [line.text for line in c.lines]


def upload(lab: Any, mode: str) -> TraceRecord:
    return TraceRecord.objects.get(
        sandbox=lab.sandbox, action=runs.UPLOAD_ACTION, key=f"{mode}/{runs.SAMPLE_NAME}"
    )


def headers(record: TraceRecord) -> dict[str, str]:
    return dict(runs.headers_of(record.response_headers))


def blob_files() -> list[Path]:
    from django.conf import settings

    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def nothing_of_a_run_kept(lab: Any, bucket: str) -> None:
    engine = sandboxes.open_engine(lab.sandbox)
    assert bucket not in readmodel.bucket_names(engine)
    assert not TraceRecord.objects.filter(sandbox=lab.sandbox, bucket=bucket).exists()
    assert not Record.objects.filter(sandbox=lab.sandbox, rid__contains=bucket).exists()


# --------------------------------------------------------------------------- a run


def test_the_sample_runs_in_every_mode_in_a_bucket_of_its_own(lab: Any) -> None:
    lab.s3("PUT", "mine")
    response = run_sample(lab)

    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == lab.url("compare_result", "compare-1")
    uploads = TraceRecord.objects.filter(sandbox=lab.sandbox, action=runs.UPLOAD_ACTION)
    assert sorted(t.key for t in uploads) == sorted(
        f"{m.slug}/{runs.SAMPLE_NAME}" for m in runs.MODES
    )
    assert {t.bucket for t in uploads} == {"compare-1"}
    assert all(t.status == 200 for t in uploads)
    # The learner's own bucket is untouched: still empty.
    assert readmodel.objects_at_rest(sandboxes.open_engine(lab.sandbox), "mine") == []
    assert blob_files() != []  # the six ciphertexts are on disk (see the all-or-nothing test)


def test_each_column_is_the_mode_it_names(lab: Any) -> None:
    run_sample(lab)

    # s3-facts §1 [LS]: SSE-KMS answers the full key ARN; BucketKeyEnabled only when in use.
    kms = headers(upload(lab, "sse-kms"))
    assert kms["x-amz-server-side-encryption"] == "aws:kms"
    assert kms["x-amz-server-side-encryption-aws-kms-key-id"].startswith("arn:aws:kms:")
    assert "x-amz-server-side-encryption-bucket-key-enabled" not in kms
    with_bucket_key = headers(upload(lab, "sse-kms-bucket-key"))
    assert with_bucket_key["x-amz-server-side-encryption-bucket-key-enabled"] == "true"
    assert headers(upload(lab, "dsse-kms"))["x-amz-server-side-encryption"] == "aws:kms:dsse"
    assert headers(upload(lab, "sse-s3"))["x-amz-server-side-encryption"] == "AES256"
    # s3-facts §1 [LS]: an SSE-C object has no x-amz-server-side-encryption header.
    ssec = headers(upload(lab, "sse-c"))
    assert "x-amz-server-side-encryption" not in ssec
    assert ssec["x-amz-server-side-encryption-customer-algorithm"] == "AES256"
    # s3-facts §6 [DEF-FAQ]: S3 sees the client's ciphertext and adds SSE-S3 on top.
    cse = upload(lab, "cse")
    assert headers(cse)["x-amz-server-side-encryption"] == "AES256"
    sent = runs.headers_of(cse.request_headers)
    assert "x-amz-server-side-encryption" not in sent
    assert sent["x-amz-meta-x-amz-w"] == "12"  # V3, kms+context
    assert runs.SAMPLE_BODY not in (cse.steps[0].get("payload") or {}).get("preview", "").encode()


def test_the_ssec_key_is_never_kept_or_shown(lab: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    key = bytes(range(7, 39))
    monkeypatch.setattr(runs, "new_customer_key", lambda: key)
    response = run_sample(lab)

    record = upload(lab, "sse-c")
    sent = runs.headers_of(record.request_headers)
    assert "not kept" in sent["x-amz-server-side-encryption-customer-key"]  # the placeholder
    encoded = base64.b64encode(key).decode()
    page = lab.client.get(response["Location"]).content.decode()
    modes = lab.client.get(lab.url("compare_modes")).content.decode()
    stored = json.dumps(list(TraceRecord.objects.values_list("request_headers", "steps")))
    assert encoded not in page and encoded not in modes and encoded not in stored
    # Its MD5 is what the traces show (s3-facts §1, SSE-C trio).
    assert (
        sent["x-amz-server-side-encryption-customer-key-md5"]
        == base64.b64encode(hashlib.md5(key).digest()).decode()
    )


def test_runs_again_in_a_new_bucket_with_one_comparison_key(lab: Any) -> None:
    run_sample(lab)
    second = run_sample(lab)

    assert second["Location"] == lab.url("compare_result", "compare-2")
    assert runs.latest_bucket(lab.sandbox) == "compare-2"
    engine = sandboxes.open_engine(lab.sandbox)
    assert next(k for k in readmodel.kms_keys(engine) if not k.managed_by_aws).aliases == (
        runs.KEY_ALIAS,
    )
    assert len([k for k in readmodel.kms_keys(engine) if not k.managed_by_aws]) == 1
    assert runs.run_buckets(lab.sandbox) == ["compare-2", "compare-1"]
    page = lab.client.get(lab.url("compare")).content.decode()
    assert "compare-2" in page and lab.url("compare_result", "compare-1") in page


def test_a_new_run_deletes_the_buckets_of_runs_older_than_the_newest_three(lab: Any) -> None:
    # Each run stores six copies of the file: older runs' buckets go, their traces stay
    # (a run's page is drawn from its traces), and a bucket the learner has put something
    # of their own into is theirs and stays.
    for _ in range(3):
        run_sample(lab)
    sandboxes.run_s3(lab.sandbox, "test", S3Request("PUT", "compare-2", "mine.txt", body=b"x"))
    first_traces = set(runs.run_ids(lab.sandbox, "compare-1").values())

    assert run_sample(lab).status_code == 302
    assert run_sample(lab).status_code == 302

    names = readmodel.bucket_names(sandboxes.open_engine(lab.sandbox), runs.BUCKET_PREFIX)
    assert names == ["compare-2", "compare-3", "compare-4", "compare-5"]
    assert set(runs.run_ids(lab.sandbox, "compare-1").values()) == first_traces
    page = lab.client.get(lab.url("compare_result", "compare-1"))
    assert page.status_code == 200 and "Full trace" in page.content.decode()
    assert "The buckets of your newest 3 runs stay" in page.content.decode()
    assert "compare-1" not in readmodel.bucket_names(sandboxes.open_engine(lab.sandbox))


def test_a_file_of_the_learners_own(lab: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload_file = SimpleUploadedFile("../My notes?.txt", b"my own words", "text/plain")
    response = lab.client.post(lab.url("compare_run"), {"file": upload_file})

    assert response.status_code == 302
    keys = set(TraceRecord.objects.filter(action=runs.UPLOAD_ACTION).values_list("key", flat=True))
    assert keys == {f"{m.slug}/My notes_.txt" for m in runs.MODES}


def test_no_file_and_a_file_too_large_are_refused_with_a_message(
    lab: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    nothing = lab.client.post(lab.url("compare_run"), {})
    assert nothing.status_code == 400
    assert "Choose a file, or use the sample file." in nothing.content.decode()
    monkeypatch.setattr(runs, "MAX_BYTES", 10)
    big = lab.client.post(
        lab.url("compare_run"), {"file": SimpleUploadedFile("big.bin", b"x" * 11)}
    )
    assert big.status_code == 413
    assert "it stores six copies" in big.content.decode()
    assert not TraceRecord.objects.filter(sandbox=lab.sandbox).exists()


# --------------------------------------------------------------------------- all or nothing


def test_a_failure_half_way_keeps_nothing(
    lab: Any, monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    """The database fails while the fourth upload's trace is kept: the bucket, the
    objects, the first three traces, the new KMS key and the blob files all go."""
    kept = sandboxes.keep_trace
    calls = {"n": 0}

    def failing(*args: Any, **kwargs: Any) -> TraceRecord:
        calls["n"] += 1
        if calls["n"] == 2 + 4:  # two setup requests, then the fourth mode
            raise RuntimeError("the database went away")
        return kept(*args, **kwargs)

    monkeypatch.setattr(sandboxes, "keep_trace", failing)
    with pytest.raises(RuntimeError):
        runs.run(lab.sandbox, runs.SAMPLE_NAME, runs.SAMPLE_BODY)

    nothing_of_a_run_kept(lab, "compare-1")
    assert not TraceRecord.objects.filter(sandbox=lab.sandbox).exists()
    assert readmodel.kms_keys(sandboxes.open_engine(lab.sandbox)) == []
    assert blob_files() == []


def test_a_refused_request_keeps_nothing_and_says_why(lab: Any) -> None:
    run_sample(lab)
    key_id = readmodel.kms_key(sandboxes.open_engine(lab.sandbox), runs.KEY_ALIAS).key_id
    lab.kms("DisableKey", {"KeyId": key_id})

    response = run_sample(lab)

    # s3-facts §2 [LS]: a disabled key → 400 KMS.DisabledException.
    assert response.status_code == 409
    html = response.content.decode()
    assert "KMS.DisabledException" in html
    assert "nothing of it was kept" in html
    assert runs.KEY_ALIAS in html
    nothing_of_a_run_kept(lab, "compare-2")
    assert runs.latest_bucket(lab.sandbox) == "compare-1"


def test_the_bucket_quota_is_answered_with_a_clear_message(lab: Any, settings: Settings) -> None:
    settings.LAB_QUOTAS = {**settings.LAB_QUOTAS, "buckets": 1}
    lab.s3("PUT", "mine")

    response = run_sample(lab)

    assert response.status_code == 409
    html = response.content.decode()
    assert "TooManyBuckets" in html
    assert "Delete older compare-… buckets" in html
    nothing_of_a_run_kept(lab, "compare-1")


# --------------------------------------------------------------------------- the aligned rows


def test_every_line_links_to_a_step_of_its_own_trace(lab: Any) -> None:
    run_sample(lab)
    found = comparison(lab)

    for row in found.differences + found.rows:
        for c, col in zip(row.cells, found.columns, strict=True):
            assert col.record is not None
            assert c.url == lab.url("trace", col.record.pk)
            total = len(col.record.steps)
            assert all(0 <= line.step <= total for line in c.lines), (row.slug, c.lines)


def test_the_aligned_rows_come_from_the_stored_traces(lab: Any) -> None:
    run_sample(lab)
    found = comparison(lab)

    for col in found.columns:
        assert col.record is not None
        steps = tracesteps.typed(col.record.steps)
        kms_steps = [i + 1 for i, s in enumerate(steps) if s.kind in aligned.KMS_KINDS]
        kms_cell = cell(found.differences, "kms", col.mode.slug)
        assert [ln.step for ln in kms_cell.lines if "by S3" in ln.text] == kms_steps
        encrypt = [
            i + 1
            for i, s in enumerate(steps)
            if isinstance(s, trace.SseEncrypt | trace.CseEnvelope)
        ]
        assert [ln.step for ln in cell(found.rows, "encrypt", col.mode.slug).lines] == encrypt
        sent = [n for n in runs.headers_of(col.record.request_headers) if "server-side" in n]
        sent_cell = texts(cell(found.differences, "sent", col.mode.slug))
        assert [t for t in sent_cell if "server-side" in t] == sent

    # SSE-S3: no KMS call; SSE-KMS without a Bucket Key: S3 calls GenerateDataKey (§5).
    assert texts(cell(found.differences, "kms", "sse-s3")) == ["none"]
    assert texts(cell(found.differences, "kms", "sse-kms")) == ["GenerateDataKey, by S3 for you"]
    # The first object under a new Bucket Key makes it from KMS (§5, [BKEY]).
    assert "S3 Bucket Key made from KMS" in texts(cell(found.rows, "keys", "sse-kms-bucket-key"))
    # Where: CSE in the client first, then S3's SSE-S3 over its ciphertext.
    assert texts(cell(found.differences, "where", "cse")) == ["in the client", "inside S3"]
    assert texts(cell(found.differences, "where", "sse-c")) == ["inside S3"]
    # Who holds the key: SSE-C's is the learner's; S3 keeps a salted HMAC (§6).
    assert any("salted HMAC" in t for t in texts(cell(found.differences, "who", "sse-c")))


def test_a_changed_trace_changes_its_cells(lab: Any) -> None:
    """The page reads the stored trace, not what the mode should do: take the KMS step
    out of the SSE-KMS trace and its column says no KMS call, like SSE-S3's."""
    run_sample(lab)
    record = upload(lab, "sse-kms")
    record.steps = [s for s in record.steps if s["kind"] != "kms.generate_data_key"]
    record.save(update_fields=["steps"])

    found = comparison(lab)

    kms_cell = cell(found.differences, "kms", "sse-kms")
    assert texts(kms_cell) == ["none"]
    assert not kms_cell.differs
    assert cell(found.differences, "kms", "sse-kms-bucket-key").differs


def test_cells_that_differ_from_sse_s3_are_marked_on_the_page(lab: Any) -> None:
    response = run_sample(lab)
    found = comparison(lab)

    assert not any(row.cells[0].differs for row in found.rows)
    # Every mode crosses the network the same way (HTTPS): that row does not differ.
    assert not next(r for r in found.rows if r.slug == "tls").differs
    assert cell(found.rows, "keys", "sse-kms").differs
    html = lab.client.get(response["Location"]).content.decode()
    marked = re.findall(
        r'class="compare-cell compare-cell--differs[^"]*" data-mode="([a-z0-9-]+)"', html
    )
    assert "sse-kms" in marked and "sse-s3" not in marked


def test_the_costs_name_their_source(lab: Any) -> None:
    response = run_sample(lab)
    found = comparison(lab)

    assert texts(cell(found.differences, "cost", "sse-s3")) == [
        "no extra charge for the encryption"
    ]
    assert texts(cell(found.differences, "cost", "sse-kms"))[0].startswith(
        "1 KMS request: $0.000003"
    )
    html = lab.client.get(response["Location"]).content.decode()
    assert aligned.PRICING_SOURCE in html


def test_a_phone_shows_the_chosen_mode(lab: Any) -> None:
    response = run_sample(lab)
    html = lab.client.get(response["Location"] + "?mode=sse-c").content.decode()

    assert '<a href="?mode=sse-c#aligned" aria-current="true">' in html
    others = re.findall(
        r'class="compare-cell[^"]*compare-col--other" data-mode="([a-z0-9-]+)"', html
    )
    assert "sse-c" not in others and "cse" in others


# --------------------------------------------------------------------------- the modes table


def test_the_modes_table_asks_for_a_run_first(lab: Any) -> None:
    html = lab.client.get(lab.url("compare_modes")).content.decode()

    assert "Run the comparison to get the traces." in html
    assert f'action="{lab.url("compare_run")}"' in html
    assert 'data-testid="compare-modes"' not in html


def test_the_modes_table_links_each_cell_to_the_step_that_shows_it(lab: Any) -> None:
    run_sample(lab)
    found = comparison(lab)
    table = aligned.modes_table(found)

    assert [row.mode.slug for row in table] == ["sse-s3", "sse-kms", "dsse-kms", "sse-c", "cse"]
    for row in table:
        record = upload(lab, row.mode.slug)
        steps = tracesteps.typed(record.steps)
        where = next(c for c in row.cells if c.name == "where")
        for line in where.lines:
            assert steps[line.step - 1].kind in ("sse.encrypt", "cse.envelope")
            assert where.link(line) == f"{lab.url('trace', record.pk)}?step={line.step}#step-panel"
    # SSE-C cannot be a bucket default (s3-facts §3 [DEFENC][SSEC2]); SSE-KMS can.
    can = {row.mode.slug: row.can_be_default for row in table}
    assert can == {"sse-s3": True, "sse-kms": True, "dsse-kms": True, "sse-c": False, "cse": False}
    html = lab.client.get(lab.url("compare_modes")).content.decode()
    assert html.count('<tr data-mode="') == 5
    assert f"{lab.url('trace', upload(lab, 'cse').pk)}?step=" in html


# --------------------------------------------------------------------------- languages, owners


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["The same file in every mode", "What differs", "Compare the modes"]),
        (
            "ja",
            [
                "同じファイルをすべての方式で",
                "違うところ",
                "方式を比較",
                "カスタマーマネージドキー",
                "バケットキーで節約できる分",
            ],
        ),
    ],
)
def test_both_languages(lab: Any, language: str, words: list[str]) -> None:
    response = run_sample(lab, language)
    html = lab.client.get(
        response["Location"], headers={"Accept-Language": language}
    ).content.decode()
    for word in words:
        assert word in html
    modes = lab.client.get(lab.url("compare_modes"), headers={"Accept-Language": language})
    assert modes.status_code == 200
    if language == "ja":
        assert "暗号化方式の比較" in modes.content.decode()


def test_another_learner_cannot_open_or_run_it(lab: Any, stranger: Client) -> None:
    run_sample(lab)

    for name, args in [("compare", ()), ("compare_modes", ()), ("compare_result", ("compare-1",))]:
        assert stranger.get(lab.url(name, *args)).status_code == 404
    assert stranger.post(lab.url("compare_run"), {"sample": "1"}).status_code == 404
    assert lab.client.get(lab.url("compare_result", "compare-9")).status_code == 404


def test_a_run_is_rendered_once_until_one_of_its_traces_goes(
    lab: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run's traces never change: its tables come from the fragment cache. When the
    quota removes one of its traces, the page is rendered again, that column empty."""
    response = run_sample(lab)
    assert lab.client.get(response["Location"]).status_code == 200
    real = aligned.compare

    def must_not_render(*args: Any) -> None:
        raise AssertionError("rendered again")

    monkeypatch.setattr(aligned, "compare", must_not_render)
    again = lab.client.get(response["Location"])
    assert again.status_code == 200
    assert 'data-testid="compare-steps"' in again.content.decode()

    monkeypatch.setattr(aligned, "compare", real)
    upload(lab, "dsse-kms").delete()
    html = lab.client.get(response["Location"]).content.decode()
    assert "Some of this run&#x27;s traces are no longer kept" in html or (
        "Some of this run's traces are no longer kept" in html
    )
    assert html.count('class="compare-col__trace"') == 2 * (len(runs.MODES) - 1)


def test_the_bucket_key_note_is_what_the_engine_does(lab: Any) -> None:
    """The page says the Bucket Key column's KMS call made the Bucket Key, and that the
    next upload to the bucket reuses it with no KMS call (s3-facts §5 [BKEY])."""
    response = run_sample(lab)
    assert (
        'data-testid="compare-bucket-key-note"'
        in lab.client.get(response["Location"]).content.decode()
    )
    first = tracesteps.typed(upload(lab, "sse-kms-bucket-key").steps)
    assert [s.cached for s in first if isinstance(s, trace.S3BucketKey)] == [False]
    sent = runs.headers_of(upload(lab, "sse-kms-bucket-key").request_headers)
    again = lab.s3(
        "PUT",
        "compare-1",
        "next.txt",
        headers={k: v for k, v in sent.items() if k.startswith("x-amz-server-side-encryption")},
        body=b"next",
        principal=runs.principal(),
    ).response
    assert again.status == 200
    assert [s.cached for s in again.trace if isinstance(s, trace.S3BucketKey)] == [True]
    assert not [s for s in again.trace if s.kind in aligned.KMS_KINDS]
