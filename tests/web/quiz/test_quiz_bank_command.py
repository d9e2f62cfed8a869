"""``manage.py quiz_bank`` (issue 10: "A management command lists the bank's coverage per
domain, type and language"): its counts against the bank's TOML files read here on their
own, its JSON, its engine checks, and a broken bank."""

from __future__ import annotations

import json
import shutil
import tomllib
from collections import Counter
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from simulator.quiz import generators, loader
from simulator.quiz.model import DOMAINS

BANK = Path(loader.__file__).resolve().parent / "bank"


def raw() -> dict[str, list[dict[str, Any]]]:
    """Each domain file's [[questions]] tables, straight from TOML."""
    return {
        path.stem: tomllib.loads(path.read_text(encoding="utf-8"))["questions"]
        for path in sorted(BANK.glob("*.toml"))
    }


def run(*args: str) -> str:
    out = StringIO()
    call_command("quiz_bank", *args, stdout=out)
    return out.getvalue()


def test_the_json_counts_match_the_bank_files() -> None:
    table = json.loads(run("--json"))
    files = raw()
    assert list(table) == [*DOMAINS, "all"]
    for domain in DOMAINS:
        items = files.get(domain, [])
        row = table[domain]
        assert row["questions"] == len(items), domain
        assert row["types"] == {
            k: Counter(q["type"] for q in items)[k] for k in ("single", "multiple", "order")
        }
        assert row["difficulty"] == {
            str(n): sum(1 for q in items if q["difficulty"] == n) for n in (1, 2, 3)
        }
        assert row["engine_checked"] == sum(1 for q in items if "check" in q), domain
        # Both languages: every stem, explanation, option and why has its English and Japanese.
        for language in ("en", "ja"):
            full = sum(
                1
                for q in items
                if q["stem"][language].strip()
                and all(
                    o["text"][language].strip() and o["why"][language].strip() for o in q["options"]
                )
            )
            assert row["languages"][language] == full == len(items)
        assert row["templates"] == sum(
            1 for t in generators.TEMPLATES.values() if t.domain == domain
        )
    everything = table["all"]
    assert everything["questions"] == sum(len(items) for items in files.values()) >= 150
    assert everything["engine_checked"] == sum(table[d]["engine_checked"] for d in DOMAINS) > 0
    assert everything["templates"] == len(generators.TEMPLATES)


def test_the_table_has_a_row_per_domain_and_the_totals() -> None:
    table = json.loads(run("--json"))
    lines = run().splitlines()
    head = lines[0].split()
    assert head == [
        "domain",
        "total",
        "single",
        "multiple",
        "order",
        "d1",
        "d2",
        "d3",
        "engine",
        "en",
        "ja",
        "generated",
    ]
    rows = {
        line.split()[0]: line.split()[1:]
        for line in lines[1:]
        if line.split() and line.split()[0] in table
    }
    assert list(rows) == [*DOMAINS, "all"]
    for domain, cells in rows.items():
        row = table[domain]
        expected = [row["questions"], *row["types"].values(), *row["difficulty"].values(),
                    row["engine_checked"], *row["languages"].values(), row["templates"]]  # fmt: skip
        assert [int(c) for c in cells] == expected, domain


def test_check_runs_the_engine_checks_of_every_file() -> None:
    out = run("--check")
    checked = [line for line in out.splitlines() if line.startswith("ok ")]
    assert len(checked) == len(list(BANK.glob("*.toml")))
    assert "FAIL" not in out


def test_a_broken_file_fails_the_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(BANK / "sse-c.toml", tmp_path / "sse-c.toml")
    text = (tmp_path / "sse-c.toml").read_text(encoding="utf-8")
    (tmp_path / "sse-c.toml").write_text(
        text.replace("difficulty = 1", "difficulty = 7", 1), encoding="utf-8"
    )
    monkeypatch.setattr(loader, "BANK_DIR", tmp_path)
    with pytest.raises(CommandError, match="checks failed"):
        run("--check")


def test_a_bank_that_does_not_load_is_a_command_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "sse-c.toml"
    broken.write_text('domain = "sse-c"\n[[questions]]\nid = "sse-c-001"\n', encoding="utf-8")
    monkeypatch.setattr(loader, "bank", lambda: loader.load([broken]))
    with pytest.raises(CommandError, match="does not load: sse-c"):
        run()
