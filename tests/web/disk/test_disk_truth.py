"""The disk inspector says which bytes are the lab's own and which answers are AWS's.

S3's internal storage format is not public (s3-facts §6 documents what S3 keeps per
object, never its layout), and AWS does not document what S3 answers when stored bytes
are damaged: the page says both are the lab's.
"""

from __future__ import annotations

from typing import Any

import pytest

from simulator.engine import tamper as at_rest
from simulator.web import sandboxes
from tests.web.disk.test_disk_inspector import inspect_page, put, read


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_disk_page_says_the_blob_format_is_the_labs(lab: Any, language: str) -> None:
    put(lab, "s3.txt", {"x-amz-server-side-encryption": "AES256"})
    lab.client.cookies["django_language"] = language
    listing = lab.client.get(lab.url("disk"), headers={"Accept-Language": language})
    html = listing.content.decode()
    page = inspect_page(lab, "s3.txt")
    if language == "en":
        assert "S3 actually keeps" not in html
        assert (
            "This is how the lab stores ciphertext. S3's internal storage format is not public"
            in html
        )
        assert "S3's internal format is not public" in page
        assert "Blob header (the lab's format)" in page
    else:
        assert "ラボが暗号文を保存する方法です。S3 内部の保存形式は公開されていません" in html
        assert "S3 内部の形式は公開されていない" in page
        assert "ブロブのヘッダー（ラボの形式）" in page


def test_a_tampered_byte_answer_is_called_the_labs_own(lab: Any) -> None:
    put(lab, "ledger.txt", {"x-amz-server-side-encryption": "AES256"})
    sandboxes.tamper(lab.sandbox, "disk-bucket", "ledger.txt", at_rest.CIPHERTEXT)
    html = read(lab, "ledger.txt").content.decode()
    assert "InternalError" in html
    assert "This answer is the lab's: AWS does not document what S3 returns" in html
    fine = read(lab, "other.txt")  # no such key: an error, but not the lab's tamper answer
    assert 'data-testid="lab-own-answer"' not in fine.content.decode()


def test_the_tampered_byte_case_and_its_trace_say_the_answer_is_the_labs() -> None:
    from django.utils import translation

    from simulator.engine.trace import Trace
    from simulator.web.breakit.cases import BY_SLUG
    from simulator.web.tracing.present.errors import explain_error

    recorded = Trace()
    recorded.add("error", "s3", outcome="InternalError", status=500, reason="decrypt_failed")
    for language, own in (("en", "the lab's own"), ("ja", "ラボ独自")):
        with translation.override(language):
            lesson = str(BY_SLUG["tampered-byte"].lesson)
            view = explain_error(500, "InternalError", "", recorded.steps, set())
        assert view is not None
        assert own in lesson and own in view.why
        assert "Real S3 would answer" not in lesson
