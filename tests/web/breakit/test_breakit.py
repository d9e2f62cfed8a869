"""Break it: every case makes real requests and lands on a failing trace with AWS's code.

The table's rows say which fact of s3-facts §2 each case encodes.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from simulator.web import sandboxes
from simulator.web.breakit import cases, predict
from simulator.web.models import TraceRecord

# slug, expected status and code, the trace step that shows the cause, and why (s3-facts §2).
TABLE = [
    pytest.param("wrong-ssec-key", 403, "AccessDenied", ("ssec.validate", "AccessDenied"), id="wrong SSE-C key: 403, the salted HMAC does not match"),
    pytest.param("missing-ssec-key", 400, "InvalidRequest", ("error", "InvalidRequest"), id="GET of an SSE-C object without the headers: 400 InvalidRequest"),
    pytest.param("disabled-kms-key", 400, "KMS.DisabledException", ("kms.decrypt", "DisabledException"), id="disabled key: 400 KMS.DisabledException on GET"),
    pytest.param("key-pending-deletion", 400, "KMS.KMSInvalidStateException", ("kms.decrypt", "KMSInvalidStateException"), id="key pending deletion: 400 KMS.KMSInvalidStateException on GET"),
    pytest.param("key-policy-no-decrypt", 403, "AccessDenied", ("kms.decrypt", "AccessDeniedException"), id="caller lacks kms:Decrypt: S3 answers 403 AccessDenied"),
    pytest.param("policy-denies-headerless-put", 403, "AccessDenied", ("policy.evaluated", "AccessDenied"), id="policies see the request as sent, before default encryption: 403"),
    pytest.param("ssec-blocked", 403, "AccessDenied", ("error", "AccessDenied"), id="SSE-C write to a blocked bucket: 403 AccessDenied"),
    pytest.param("tampered-byte", 500, "InternalError", ("error", "InternalError"), id="one flipped bit at rest: GCM fails, 500 InternalError"),
]  # fmt: skip


def _break(lab: Any, slug: str, prediction: str = "403 AccessDenied") -> Any:
    return lab.client.post(lab.url("breakit_run", slug), {"prediction": prediction})


@pytest.mark.parametrize(("slug", "status", "code", "cause"), TABLE)
def test_each_case_comes_back_with_its_failing_trace(
    lab: Any, slug: str, status: int, code: str, cause: tuple[str, str]
) -> None:
    response = _break(lab, slug, f"{status} {code}")

    assert response.status_code == 302, response.content.decode()[:2000]
    trace = TraceRecord.objects.filter(sandbox=lab.sandbox, action=cases.BREAK_ACTION).latest(
        "created"
    )
    assert response["Location"].endswith(f"#case-{slug}")
    page = lab.client.get(response["Location"]).content.decode()
    assert f"/lab/{lab.sandbox.pk}/traces/{trace.pk}/" in page
    assert "You were right." in page
    assert (trace.status, trace.error_code) == (status, code)
    assert trace.bucket == "break-it-1"
    # The failure happened where the lesson says it does.
    assert cause in [(step["kind"], step["outcome"]) for step in trace.steps]
    if slug == "tampered-byte":  # not any 500: the stored bytes failed authentication
        assert any(step["detail"].get("reason") == "decrypt_failed" for step in trace.steps)
    # The card promises what the trace shows.
    case = cases.BY_SLUG[slug]
    assert (case.expect_status, case.expect_code) == (status, code)


def test_every_case_is_in_the_table() -> None:
    assert sorted(str(p.values[0]) for p in TABLE) == sorted(cases.BY_SLUG)


def test_cases_use_a_new_bucket_each_time_and_leave_the_learners_data_alone(lab: Any) -> None:
    lab.s3("PUT", "my-data")
    lab.s3("PUT", "my-data", "keep.txt", body=b"mine")

    _break(lab, "wrong-ssec-key")
    _break(lab, "tampered-byte")

    buckets = [name for name, _ in sandboxes.open_engine(lab.sandbox).store.scan("bucket")]
    assert buckets == ["break-it-1", "break-it-2", "my-data"]
    outcome = lab.s3("GET", "my-data", "keep.txt")
    assert outcome.response.status == 200 and outcome.response.read() == b"mine"


def test_page_lists_every_case_with_its_lesson_and_a_csrf_protected_form(lab: Any) -> None:
    response = lab.client.get(lab.url("breakit"))

    html = response.content.decode()
    assert response.status_code == 200
    for case in cases.CASES:
        assert f'action="/lab/{lab.sandbox.pk}/break/{case.slug}/"' in html
        # The lesson and the expected answer wait until the learner has predicted.
        assert str(case.lesson).replace("'", "&#x27;") not in html
        assert str(case.what).replace("'", "&#x27;") in html or str(case.what) in html
    assert "Expected answer" not in html
    assert html.count('name="csrfmiddlewaretoken"') >= len(cases.CASES)
    assert html.count('name="prediction"') == len(cases.CASES) * len(predict.CHOICES)


def test_recent_breaks_are_listed(lab: Any) -> None:
    _break(lab, "missing-ssec-key")

    html = lab.client.get(lab.url("breakit")).content.decode()

    assert "Your recent breaks" in html
    assert "400 InvalidRequest" in html


def test_forms_need_csrf(lab: Any) -> None:
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = lab.client.cookies

    assert (
        strict.post(lab.url("breakit_run", "wrong-ssec-key"), {"prediction": "200"}).status_code
        == 403
    )
    assert not TraceRecord.objects.filter(sandbox=lab.sandbox).exists()


def test_unknown_case_is_404_and_get_is_405(lab: Any) -> None:
    assert _break(lab, "no-such-case").status_code == 404
    assert lab.client.get(lab.url("breakit_run", "wrong-ssec-key")).status_code == 405


def test_a_case_that_does_not_fail_says_so(lab: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def succeeds(run: cases.Run) -> sandboxes.Outcome:
        run.setup(run.s3("PUT"))
        return run.fail(run.s3("PUT", "fine.txt", body=b"ok"))

    case = cases.Case("wrong-ssec-key", "Demo", "", "", 403, "AccessDenied", succeeds)
    monkeypatch.setitem(cases.BY_SLUG, "wrong-ssec-key", case)

    response = _break(lab, "wrong-ssec-key", "200")

    assert response.status_code == 302
    html = lab.client.get(response["Location"]).content.decode()
    assert "did not break: S3 answered 200" in html
    # The engine judges the prediction: "it works" was right.
    assert "You were right." in html


def test_another_learner_gets_404(lab: Any, stranger: Client) -> None:
    assert stranger.get(lab.url("breakit")).status_code == 404
    assert (
        stranger.post(lab.url("breakit_run", "wrong-ssec-key"), {"prediction": "200"}).status_code
        == 404
    )
    assert not TraceRecord.objects.filter(sandbox=lab.sandbox).exists()


def test_a_setup_that_a_quota_refuses_is_a_409_that_says_why(lab: Any, settings: Any) -> None:
    """Issue 8: no 5xx for a learner's own state. Each case sets up a new bucket; with the
    sandbox at its bucket quota, S3 refuses it (TooManyBuckets) and the page says so."""
    settings.LAB_QUOTAS = {**settings.LAB_QUOTAS, "buckets": 0}

    response = _break(lab, "wrong-ssec-key")

    assert response.status_code == 409
    html = response.content.decode()
    assert "failed, so the failing request was not made" in html
    assert "TooManyBuckets" in html


def test_nothing_runs_until_the_learner_predicts(lab: Any) -> None:
    for prediction in ("", "418 Teapot"):
        response = _break(lab, "wrong-ssec-key", prediction)
        assert response.status_code == 400
        assert "first: nothing was run" in response.content.decode()
    assert not TraceRecord.objects.filter(sandbox=lab.sandbox).exists()


def test_a_wrong_prediction_is_judged_by_the_engines_answer(lab: Any) -> None:
    response = _break(lab, "missing-ssec-key", "403 AccessDenied")
    html = lab.client.get(response["Location"]).content.decode()
    assert "Not this time." in html
    assert "Your prediction" in html and "403 AccessDenied" in html
    # The engine's answer and the documented one are revealed, with the lesson.
    assert "400 InvalidRequest" in html and "Expected answer" in html
    lesson = str(cases.BY_SLUG["missing-ssec-key"].lesson)
    assert lesson in html


def test_a_verdict_link_for_another_sandboxs_trace_reveals_nothing(
    lab: Any, stranger: Client
) -> None:
    response = _break(lab, "missing-ssec-key", "400 InvalidRequest")
    query = response["Location"].split("?", 1)[1].split("#")[0]
    own = lab.client.get(lab.url("breakit") + "?" + query).content.decode()
    assert "You were right." in own
    other = stranger.post("/lab/new/", {"name": "Mine", "content": "empty"})
    assert other.status_code == 302
    mine = other["Location"].rstrip("/").split("/")[-1]
    page = stranger.get(f"/lab/{mine}/break/?{query}").content.decode()
    assert "You were right." not in page and "Not this time." not in page
