"""A served lab (DEBUG off) collects its static files with hashed names: the ES modules
in static/js import each other by those names, so a page never runs a module of one
release with an import of another (simulator/staticfiles.py)."""

from __future__ import annotations

import re
from pathlib import Path

from django.core.management import call_command
from django.test import override_settings

HASHED = re.compile(r"\.[0-9a-f]{12}\.js$")
RELATIVE_IMPORT = re.compile(r'from "(\./[^"]+)";')


def test_collected_modules_import_each_other_by_their_hashed_names(tmp_path: Path) -> None:
    storage = {"BACKEND": "simulator.staticfiles.LabStaticFilesStorage"}
    # The project's own static folder only (the apps' files take long and import nothing).
    finders = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    with override_settings(
        STATIC_ROOT=tmp_path, STORAGES={"staticfiles": storage}, STATICFILES_FINDERS=finders
    ):
        call_command("collectstatic", interactive=False, verbosity=0)

    modules = [p for p in (tmp_path / "js").rglob("*.js") if HASHED.search(p.name)]
    imports = {
        (module.name, target)
        for module in modules
        for target in RELATIVE_IMPORT.findall(module.read_text("utf-8"))
    }
    assert any(name.startswith("page.") for name, _ in imports)
    for name, target in imports:
        assert HASHED.search(target), (name, target)
        assert (next(m for m in modules if m.name == name).parent / target).is_file(), target
