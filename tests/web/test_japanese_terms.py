"""Every Japanese text the lab shows follows one rule (docs/japanese-terms.md): AWS's own
Japanese documentation terms, キー never 鍵, 復号 never 複合, no マスターキー or
カスタマー管理キー, and Japanese punctuation in Japanese sentences.

Scanned: every gettext catalogue (``locale/`` and ``simulator/web/*/locale/``), the
quiz bank, the lessons and the glossary (all but its older-terms column, which quotes
the deck's and older exams' words on purpose).
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
JA = "[\u3040-\u30ff\u3400-\u9fff]"  # kana and kanji

# (name, pattern): a form the lab's Japanese never uses.
FORBIDDEN: list[tuple[str, re.Pattern[str]]] = [
    ("鍵 (write キー)", re.compile("鍵")),
    ("複合 (write 復号)", re.compile("複合")),
    ("復号化 (write 復号)", re.compile("復号化")),
    ("マスターキー (KMS キー or ルートキー)", re.compile(r"マスター\s*キー")),
    ("CMK (KMS キー)", re.compile(r"\bCMKs?\b")),
    ("カスタマー管理キー (カスタマーマネージドキー)", re.compile("カスタマー管理")),
    ("AWS 管理キー (AWS マネージドキー)", re.compile(r"AWS\s*管理(型)?\s*キー")),
    ("削除待ち (削除保留中, the console's state)", re.compile("削除待ち")),
    (
        "サーバーサイド / クライアントサイド (サーバー側 / クライアント側)",
        re.compile("(サーバー|クライアント)サイド"),
    ),
    ("KMSキー without a space (KMS キー)", re.compile("KMSキー")),
    ("ASCII comma after Japanese (、)", re.compile(JA + ",")),
    ("ASCII full stop after Japanese (。)", re.compile(JA + r"\.(?![A-Za-z0-9])")),
    ("ASCII colon after Japanese (：)", re.compile(JA + r"[:;](?:\s|$)")),
    ("ASCII ? or ! after Japanese", re.compile(JA + r"[?!](?:\s|$)")),
    ("ASCII quote next to Japanese (「」)", re.compile(JA + r'\s?"|"\s?' + JA)),
    ("space before Japanese punctuation", re.compile(r" [。、：）」』]")),
    ("space after Japanese punctuation", re.compile(r"[。、（「『：] ")),
    ("full-width Latin letter or digit", re.compile(r"[Ａ-Ｚａ-ｚ０-９]")),
]

# Quotations that need a forbidden form, as (file relative to ROOT, exact text, why).
QUOTATIONS: list[tuple[str, str, str]] = []


def problems(text: str) -> list[str]:
    for _path, quoted, _why in QUOTATIONS:
        text = text.replace(quoted, "")
    return [name for name, pattern in FORBIDDEN if pattern.search(text)]


def catalogue_strings(path: Path) -> Iterator[str]:
    """The translations (msgstr) of a .po file."""
    entry: dict[str, str] = {}
    field = ""

    def flush() -> Iterator[str]:
        yield from (value for name, value in entry.items() if name.startswith("msgstr"))

    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?) (\".*\")$", line)
        if match:
            if match.group(1) in {"msgctxt", "msgid"} and any(
                name.startswith("msgstr") for name in entry
            ):
                yield from flush()
                entry = {}
            field = match.group(1)
            entry[field] = ast.literal_eval(match.group(2))
        elif line.startswith('"') and field:
            entry[field] += ast.literal_eval(line)
    yield from flush()


def japanese_strings(data: object, path: str = "") -> Iterator[tuple[str, str]]:
    """(where, text) for every Japanese string of a TOML document: values under a ``ja``
    key, and the strings of a lesson body's ``{en, ja}`` tables."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "older":  # the glossary's older-terms column: quotations
                continue
            where = f"{path}.{key}"
            if key == "ja":
                yield from ((where, text) for _, text in japanese_strings(value, where))
                if isinstance(value, str):
                    yield where, value
            else:
                yield from japanese_strings(value, where)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from japanese_strings(value, f"{path}[{index}]")
    elif isinstance(data, str) and path.endswith(".ja]"):
        yield path, data


def catalogues() -> list[Path]:
    return sorted(
        [
            *ROOT.glob("locale/ja/LC_MESSAGES/*.po"),
            *ROOT.glob("simulator/web/*/locale/ja/LC_MESSAGES/*.po"),
        ]
    )


def toml_files() -> list[Path]:
    return sorted(
        [
            *ROOT.glob("simulator/quiz/bank/*.toml"),
            *ROOT.glob("simulator/lessons/**/*.toml"),
            ROOT / "simulator/web/glossary/terms.toml",
        ]
    )


def test_the_scan_covers_every_catalogue_and_data_file() -> None:
    names = {str(path.relative_to(ROOT)) for path in catalogues()}
    assert "locale/ja/LC_MESSAGES/django.po" in names
    assert "locale/ja/LC_MESSAGES/djangojs.po" in names
    areas = {"lab", "tracing", "kms", "disk", "breakit", "cse", "quiz", "glossary"}
    assert {f"simulator/web/{area}/locale/ja/LC_MESSAGES/django.po" for area in areas} <= names
    assert sum(1 for path in catalogues() for _ in catalogue_strings(path)) > 500
    tomls = toml_files()
    assert any("quiz/bank" in str(path) for path in tomls)
    assert (
        sum(1 for path in tomls for _ in japanese_strings(tomllib.loads(path.read_text("utf-8"))))
        > 300
    )


@pytest.mark.parametrize("path", catalogues(), ids=lambda path: str(path.relative_to(ROOT)))
def test_catalogues_follow_the_rule(path: Path) -> None:
    found = [(text, problems(text)) for text in catalogue_strings(path) if problems(text)]
    assert found == []


@pytest.mark.parametrize("path", toml_files(), ids=lambda path: str(path.relative_to(ROOT)))
def test_quiz_lessons_and_glossary_follow_the_rule(path: Path) -> None:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    found = [
        (where, text, problems(text)) for where, text in japanese_strings(data) if problems(text)
    ]
    assert found == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("誰が鍵を管理するか", "鍵 (write キー)"),
        ("ダウンロードして複合します。", "複合 (write 復号)"),
        ("S3 がマスターキーで暗号化します。", "マスターキー (KMS キー or ルートキー)"),
        ("KMS の CMK を使います。", "CMK (KMS キー)"),
        ("カスタマー管理キーを作成", "カスタマー管理キー (カスタマーマネージドキー)"),
        ("AWS 管理キー aws/s3", "AWS 管理キー (AWS マネージドキー)"),
        ("キーは削除待ちです。", "削除待ち (削除保留中, the console's state)"),
        (
            "クライアントサイド暗号化",
            "サーバーサイド / クライアントサイド (サーバー側 / クライアント側)",
        ),
        ("KMSキーを作成", "KMSキー without a space (KMS キー)"),
        ("暗号化されます.", "ASCII full stop after Japanese (。)"),
        ("SSE-S3,SSE-KMS とバケット,オブジェクト", "ASCII comma after Japanese (、)"),
        ("バケット: demo", "ASCII colon after Japanese (：)"),
        ('キー "alias/demo" を使う', "ASCII quote next to Japanese (「」)"),
        ("暗号化します 。", "space before Japanese punctuation"),
        ("暗号化コンテキスト： demo", "space after Japanese punctuation"),
        ("ＡＥＳ２５６ で暗号化", "full-width Latin letter or digit"),
    ],
)
def test_each_rule_catches_its_form(text: str, problem: str) -> None:
    assert problem in problems(text)


@pytest.mark.parametrize(
    "text",
    [
        "KMS キーでデータキーを暗号化し、復号します。",
        "カスタマーマネージドキーと AWS マネージドキー",
        "無効化された KMS キー。管理元：カスタマー",
        "x-amz-server-side-encryption: AES256 を送ります。",
        "ファイル notes.txt をアップロードします。",
        "「alias/demo」を使います。",
    ],
)
def test_the_rule_lets_awss_wording_through(text: str) -> None:
    assert problems(text) == []
