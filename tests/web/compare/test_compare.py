"""The same file in every mode, side by side, and the comparison of the modes.

Each column is a real PutObject in the learner's sandbox; the facts each column shows
are the engine's (s3-facts §1 headers, §5 KMS calls and Bucket Keys, §6 SSE-C and CSE).
"""

from __future__ import annotations

from typing import Any

from simulator.engine import readmodel
from simulator.web import sandboxes
from simulator.web.compare import runs
from simulator.web.models import TraceRecord


def run_sample(lab: Any, language: str = "en") -> Any:
    lab.client.cookies["django_language"] = language
    return lab.client.post(lab.url("compare_run"), {"sample": "1"})


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
    engine = sandboxes.open_engine(lab.sandbox)
    # The learner's own bucket is untouched: still empty.
    assert readmodel.objects_at_rest(engine, "mine") == []
    page = lab.client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="compare-differences"' in html
    assert 'data-testid="compare-steps"' in html


def test_runs_again_in_a_new_bucket(lab: Any) -> None:
    run_sample(lab)
    second = run_sample(lab)

    assert second["Location"] == lab.url("compare_result", "compare-2")
    assert runs.latest_bucket(lab.sandbox) == "compare-2"
    # One comparison key, made on the first run and used by both.
    keys = [
        k for k in readmodel.kms_keys(sandboxes.open_engine(lab.sandbox)) if not k.managed_by_aws
    ]
    assert len(keys) == 1
