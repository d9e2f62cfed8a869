"""The Japanese catalogues of the KMS console, disk inspector and Break it are complete,
compiled, and hold every literal string their templates translate."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
AREAS = {"kms": "kms", "disk": "disk", "breakit": "breakit"}


def read_po(path: Path) -> tuple[dict[str, str], list[str]]:
    entries: dict[str, str] = {}
    fuzzy: list[str] = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        field = None
        parts: dict[str, list[str]] = {"msgid": [], "msgstr": []}
        is_fuzzy = False
        for line in block.splitlines():
            if line.startswith("#,") and "fuzzy" in line:
                is_fuzzy = True
            elif line.startswith(("msgid ", "msgstr ", "msgstr[0] ")):
                field = "msgid" if line.startswith("msgid ") else "msgstr"
                parts[field].append(ast.literal_eval(line.split(" ", 1)[1]))
            elif line.startswith("msgid_plural "):
                field = None
            elif line.startswith('"') and field:
                parts[field].append(ast.literal_eval(line))
        msgid = "".join(parts["msgid"])
        if msgid:
            entries[msgid] = "".join(parts["msgstr"])
            if is_fuzzy:
                fuzzy.append(msgid)
    return entries, fuzzy


def po_of(area: str) -> Path:
    return ROOT / "simulator" / "web" / area / "locale" / "ja" / "LC_MESSAGES" / "django.po"


@pytest.mark.parametrize("area", list(AREAS))
def test_every_message_is_translated_and_compiled(area: str) -> None:
    entries, fuzzy = read_po(po_of(area))
    with po_of(area).with_suffix(".mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)

    assert len(entries) > 20
    assert [m for m, s in entries.items() if not s] == []
    assert fuzzy == []
    assert {m for m, s in entries.items() if compiled.gettext(m) != s} == set()


@pytest.mark.parametrize(("area", "folder"), list(AREAS.items()))
def test_every_literal_template_string_is_in_the_catalogue(area: str, folder: str) -> None:
    entries, _ = read_po(po_of(area))
    known = set(entries)
    for other in AREAS:  # shared includes (the key state badge) live in one catalogue
        known |= set(read_po(po_of(other))[0])
    used: set[str] = set()
    for template in (ROOT / "templates" / "web" / folder).glob("*.html"):
        text = template.read_text(encoding="utf-8")
        used |= set(re.findall(r'{% translate "([^"]+)" %}', text))
        used |= set(re.findall(r"{% translate '([^']+)' %}", text))

    assert used and used - known == set()
