"""The browser code's words come from Django's JavaScript catalogue (web:jsi18n, domain
djangojs), complete in Japanese and compiled (scripts/i18n.sh), never from strings
hard-coded per language in static/js."""

from __future__ import annotations

import gettext
import json
import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "ja" / "LC_MESSAGES" / "djangojs.po"
SCRIPTS = sorted((ROOT / "static" / "js").rglob("*.js"))
# gettext("…") with one double-quoted literal, as static/js/cse/messages.js writes them.
GETTEXT_CALL = re.compile(r'gettext\("((?:[^"\\]|\\.)*)"\)')


def texts_in_scripts() -> set[str]:
    found: set[str] = set()
    for script in SCRIPTS:
        for literal in GETTEXT_CALL.findall(script.read_text(encoding="utf-8")):
            found.add(json.loads(f'"{literal}"'))
    return found


def compiled() -> gettext.GNUTranslations:
    with PO.with_suffix(".mo").open("rb") as handle:
        return gettext.GNUTranslations(handle)


def test_every_text_of_the_scripts_has_a_compiled_japanese_translation() -> None:
    texts = texts_in_scripts()
    catalogue = compiled()

    assert len(texts) >= 25
    untranslated = [text for text in sorted(texts) if catalogue.gettext(text) == text]
    assert untranslated == []
    # The placeholders survive translation: interpolation fills the same names.
    for text in texts:
        names = set(re.findall(r"%\((\w+)\)s", text))
        assert set(re.findall(r"%\((\w+)\)s", catalogue.gettext(text))) == names, text


def test_decryption_is_fukugo_as_in_aws_japanese_documentation() -> None:
    catalogue = compiled()

    assert "復号" in catalogue.gettext("Decrypt in the browser")
    assert "復号" in catalogue.gettext("Save the decrypted file")


def test_no_script_carries_japanese_text_of_its_own() -> None:
    # Japanese lives in djangojs.po; a script holds English msgids only.
    for script in SCRIPTS:
        assert not re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", script.read_text("utf-8")), script


@pytest.mark.parametrize(
    ("language", "expected"),
    [("ja", "ブラウザー内で暗号化しています…"), ("en", "Encrypting in your browser…")],
)
def test_the_catalogue_view_answers_in_the_learners_language(
    client: Client, language: str, expected: str
) -> None:
    response = client.get(reverse("web:jsi18n"), HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    script = response.content.decode()
    assert "django.gettext" in script
    if language == "ja":
        assert json.dumps(expected) in script
