"""The committed Japanese catalogue is complete and compiled (scripts/i18n.sh)."""

from __future__ import annotations

import ast
import gettext
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "ja" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def read_po(path: Path) -> tuple[dict[str, str], list[str]]:
    """Return {msgid: msgstr} for the real entries and the msgids marked fuzzy.

    A plural entry is keyed by its singular msgid, with its first form (Japanese has one).
    """
    entries: dict[str, str] = {}
    fuzzy: list[str] = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        field = None
        parts: dict[str, list[str]] = {"msgid": [], "msgid_plural": [], "msgstr": []}
        is_fuzzy = False
        for line in block.splitlines():
            if line.startswith("#,") and "fuzzy" in line:
                is_fuzzy = True
            elif line.startswith(("msgid ", "msgid_plural ", "msgstr ", "msgstr[0] ")):
                field, _, rest = line.partition(" ")
                field = "msgstr" if field == "msgstr[0]" else field
                parts[field].append(ast.literal_eval(rest))
            elif line.startswith("msgstr["):
                field = None  # further plural forms: Japanese needs only the first
            elif line.startswith('"') and field:
                parts[field].append(ast.literal_eval(line))
        msgid = "".join(parts["msgid"])
        if msgid:
            entries[msgid] = "".join(parts["msgstr"])
            if parts["msgid_plural"]:
                PLURALS[msgid] = "".join(parts["msgid_plural"])
            if is_fuzzy:
                fuzzy.append(msgid)
    return entries, fuzzy


PLURALS: dict[str, str] = {}


def test_every_message_has_a_japanese_translation() -> None:
    entries, fuzzy = read_po(PO)

    assert len(entries) > 40
    assert [msgid for msgid, msgstr in entries.items() if not msgstr] == []
    assert fuzzy == []


def test_compiled_catalogue_matches_the_po_file() -> None:
    entries, _ = read_po(PO)
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)

    def compiled_text(msgid: str) -> str:
        if msgid in PLURALS:
            return compiled.ngettext(msgid, PLURALS[msgid], 1)
        return compiled.gettext(msgid)

    stale = {msgid for msgid, msgstr in entries.items() if compiled_text(msgid) != msgstr}

    assert stale == set(), "run scripts/i18n.sh to recompile locale/ja/LC_MESSAGES/django.mo"
