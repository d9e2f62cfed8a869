"""No word in a table (or the audit log's list) is broken across lines, in either language, at 1280 and 390 px.

Measured in real Chromium: every table cell's text is cut into words (English by
spaces; Japanese by the browser's own word segmenter, Intl.Segmenter), and each word's
Range.getClientRects() must lie on one line. Long identifiers (ARNs, key IDs, hashes and
long object key names: 24 characters or more with no space) are the one exception: they
may wrap anywhere rather than push the table wider than the screen.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from browser_kit import VIEWPORTS, screen_context
from django.utils import timezone
from playwright.sync_api import Browser
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from simulator.engine import S3Request
from simulator.quiz import loader
from simulator.web.demo import create_demo_sandbox
from simulator.web.models import QuizAnswer, QuizAttempt, Sandbox
from simulator.web.sandboxes import run_s3

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OWNER = "words-browser"
LONG_KEY = "reports/2026/quarterly-encryption-summary-for-the-board.pdf"

# Every word of every visible table cell, and the words that lie on more than one line.
MEASURE = """(cells) => {
  const japanese = /[\\u3000-\\u30ff\\u3400-\\u9fff\\uff00-\\uffef]/;
  const identifier = /^[^\\s]{24,}$/;
  const segmenter = new Intl.Segmenter("ja", {granularity: "word"});
  const words = [];
  // Shown: laid out, and not clipped to a pixel as visually hidden text is (a screen
  // reader's words are never on screen, so they cannot look broken).
  const visible = (element) => {
    if (element.getClientRects().length === 0) return false;
    for (let e = element; e; e = e.parentElement) {
      const box = e.getBoundingClientRect();
      const clipped = getComputedStyle(e).overflow !== "visible";
      if (clipped && (box.width <= 2 || box.height <= 2)) return false;
    }
    return true;
  };
  for (const cell of document.querySelectorAll(cells)) {
    if (!visible(cell)) continue;
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.parentElement || !visible(node.parentElement)) continue;
      const text = node.data;
      for (const token of text.matchAll(/\\S+/g)) {
        if (identifier.test(token[0]) && !japanese.test(token[0])) continue;
        if (!japanese.test(token[0])) {
          words.push([node, token.index, token.index + token[0].length]);
          continue;
        }
        // Japanese: the segmenter's words; a run of Latin letters inside stays one word.
        let latin = null;
        for (const part of segmenter.segment(token[0])) {
          const start = token.index + part.index;
          const end = start + part.segment.length;
          if (japanese.test(part.segment)) {
            if (latin) { words.push(latin); latin = null; }
            if (part.isWordLike) words.push([node, start, end]);
          } else if (/^[\\u3000-\\u303f\\uff00-\\uffef]+$/.test(part.segment)) {
            // Japanese punctuation (、。「」（）：) ends a Latin run; a line may break at it.
            if (latin) { words.push(latin); latin = null; }
          } else if (/^[\\p{P}\\p{S}]+$/u.test(part.segment) && !latin) {
            continue;
          } else if (latin) {
            latin[2] = end;
          } else {
            latin = [node, start, end];
          }
        }
        if (latin) words.push(latin);
      }
    }
  }
  const broken = [];
  for (const [node, start, end] of words) {
    const range = document.createRange();
    range.setStart(node, start);
    range.setEnd(node, end);
    const tops = [];
    for (const rect of range.getClientRects()) {
      if (rect.width < 1 || rect.height < 1) continue;
      if (!tops.some((top) => Math.abs(top - rect.top) < 3)) tops.push(rect.top);
    }
    if (tops.length > 1) {
      broken.push(node.data.slice(start, end) + "  <" + node.parentElement.closest(cells).textContent.trim().slice(0, 60) + ">");
    }
  }
  return {words: words.length, broken};
}"""


@pytest.fixture
def sandbox(settings: Settings, tmp_path: Path) -> Sandbox:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RATELIMIT_ENABLE = False
    box = create_demo_sandbox(OWNER, "Words in tables")
    request = S3Request(
        "PUT",
        "demo-sse-kms",
        LONG_KEY,
        headers={"x-amz-server-side-encryption": "aws:kms"},
        body=b"board minutes",
    )
    assert run_s3(box, "upload", request).response.status == 200
    return box


def quiz_results() -> str:
    questions = [q for q in loader.bank().questions.values() if q.type == "single"][:3]
    attempt = QuizAttempt.objects.create(
        learner=OWNER,
        mode="exam",
        config={"domains": [], "difficulty": None, "count": 3, "minutes": 30},
        refs=[q.ref for q in questions],
        seed=7,
        deadline=timezone.now() + timedelta(minutes=30),
    )
    for position, ref in enumerate(attempt.refs):
        QuizAnswer.objects.create(
            attempt=attempt,
            position=position,
            ref=ref,
            chosen=["a"],
            correct=position == 0,
            flagged=position == 1,
            seconds=20 + position,
        )
    QuizAttempt.objects.filter(pk=attempt.pk).update(submitted=timezone.now())
    return f"/quiz/{attempt.pk}/results/"


def compare_run(sandbox: Sandbox) -> str:
    from simulator.web.compare import runs

    runs.run(sandbox, runs.SAMPLE_NAME, runs.SAMPLE_BODY)
    return f"/lab/{sandbox.pk}/compare/"


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_no_table_breaks_a_word(
    browser: Browser,
    live_server: LiveServer,
    sandbox: Sandbox,
    screenshot_dir: Path,
    viewport: str,
    language: str,
) -> None:
    base = f"/lab/{sandbox.pk}"
    table = "table th, table td"
    pages = {
        # A bucket's objects and its default encryption; the policy decision matrix under
        # the policy editor has its own layout and tests (test_policy_matrix.py).
        "bucket": (
            f"{base}/buckets/demo-sse-kms/",
            table.replace("table ", "table:not(.policy-matrix__table) "),
        ),
        "kms": (f"{base}/kms/", table),
        # The audit log is a list of events, each a row of time, name, source, caller and
        # badges, and the object's key; a refused call's message below is AWS's prose.
        "audit": (f"{base}/audit/", "li.lab-event .lab-event__line, li.lab-event .lab-event__key"),
        "disk": (f"{base}/disk/", table),
        "traces": (f"{base}/traces/", table),
        "quiz-results": (quiz_results(), table),
        # The same file in every mode (its columns side by side) and the modes table.
        "compare": (compare_run(sandbox), table),
        "compare-modes": (f"{base}/compare/modes/", table),
    }
    context = screen_context(browser, live_server, sandbox, VIEWPORTS[viewport], language, "light")
    found: dict[str, Any] = {}
    try:
        page = context.new_page()
        for name, (path, cells) in pages.items():
            response = page.goto(live_server.url + path)
            assert response is not None and response.status == 200, (name, path)
            measured = page.evaluate(MEASURE, cells)
            assert measured["words"] > 5, (name, "no table words measured")
            if measured["broken"]:
                found[name] = measured["broken"]
            page.screenshot(
                path=screenshot_dir / f"words-{name}-{viewport}-{language}.png", full_page=True
            )
    finally:
        context.close()
    assert found == {}, found
