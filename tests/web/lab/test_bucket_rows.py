"""The bucket page's rows are made in Python: they must print what the templates printed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.template import engines
from django.utils import translation

from simulator.web.lab import bucket_rows
from simulator.web.lab.state import Encryption

ENCRYPTIONS = [
    None,
    Encryption(""),
    Encryption("SSE-S3"),
    Encryption("SSE-KMS", kms_key="arn:aws:kms:us-east-1:111122223333:key/k", bucket_key=True),
    Encryption("DSSE-KMS", kms_key="alias/x"),
    Encryption("SSE-C"),
    Encryption("SSE-S3", cse=True),
    Encryption("SSE-KMS", bucket_key=True, cse=True),
]


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_badge_is_the_encryption_include(language: str) -> None:
    include = engines["django"].from_string(
        '{% include "web/lab/_encryption.html" with enc=enc show_key=False %}'
    )
    with translation.override(language):
        for enc in ENCRYPTIONS:
            assert bucket_rows.encryption_badge(enc) == include.render({"enc": enc})


@pytest.mark.parametrize(
    "when",
    [None, datetime(2026, 11, 28, 15, 55, 7, 423000, tzinfo=UTC), datetime(2026, 1, 2, 3, 4, 5)],
)
def test_dates_are_the_date_filter(when: datetime | None) -> None:
    template = engines["django"].from_string(
        '{{ when|date:"Y-m-d H:i:s" }}|{{ when|date:"Y-m-d H:i:s.u"|slice:":23" }}'
    )
    expected = template.render({"when": when})
    assert f"{bucket_rows._date(when)}|{bucket_rows._date(when, micro=True)}" == expected
