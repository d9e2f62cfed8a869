"""The lab's Japanese catalogue is complete, compiled, and used on every lab page."""

from __future__ import annotations

import ast
import gettext
from pathlib import Path

from django.test import Client
from lab_builders import make_bucket, put, url

from simulator.web.models import Sandbox

ROOT = Path(__file__).resolve().parents[3]
PO = ROOT / "simulator" / "web" / "lab" / "locale" / "ja" / "LC_MESSAGES" / "django.po"


def _entries() -> dict[str, str]:
    entries: dict[str, str] = {}
    for block in PO.read_text(encoding="utf-8").split("\n\n"):
        parts: dict[str, list[str]] = {"msgid": [], "msgstr": []}
        field = None
        for line in block.splitlines():
            if line.startswith(("msgid ", "msgstr ")):
                field, _, rest = line.partition(" ")
                parts[field].append(ast.literal_eval(rest))
            elif line.startswith('"') and field:
                parts[field].append(ast.literal_eval(line))
        if msgid := "".join(parts["msgid"]):
            entries[msgid] = "".join(parts["msgstr"])
    return entries


def test_every_lab_message_has_a_compiled_japanese_translation() -> None:
    entries = _entries()
    with PO.with_suffix(".mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)

    assert len(entries) > 150
    assert [m for m, s in entries.items() if not s] == []
    assert {m for m, s in entries.items() if compiled.gettext(m) != s} == set()


def test_lab_pages_speak_japanese(learner: tuple[Client, Sandbox]) -> None:
    client, sandbox = learner
    make_bucket(sandbox, "ja-bucket")
    put(sandbox, "ja-bucket", "a.txt", b"x")
    client.cookies["django_language"] = "ja"

    pages = {
        "/lab/": "あなたのサンドボックス",
        url("sandbox", sandbox): "バケットを作成",
        url("bucket", sandbox, "ja-bucket"): "デフォルト暗号化",
        url("upload", sandbox, "ja-bucket"): "ファイルをアップロード",
        url("object", sandbox, "ja-bucket") + "?key=a.txt": "読み取る",
    }
    for page, phrase in pages.items():
        body = client.get(page).content.decode()
        assert '<html lang="ja">' in body, page
        assert phrase in body, page
