"""The import-linter contracts in pyproject.toml really catch what they promise to.

Each case copies the package into a temporary folder, adds one forbidden import, and
runs lint-imports there, so the real checkout is never touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value).replace("'", '"')


def lint_with_extra_module(tmp_path: Path, module: str, source: str) -> str:
    shutil.copytree(
        ROOT / "simulator", tmp_path / "simulator", ignore=shutil.ignore_patterns("__pycache__")
    )
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    lines = ["[tool.importlinter]", 'root_package = "simulator"']
    lines.append("include_external_packages = true")
    assert config["tool"]["importlinter"]["include_external_packages"] is True
    for contract in config["tool"]["importlinter"]["contracts"]:
        lines.append("[[tool.importlinter.contracts]]")
        lines.extend(f"{key} = {_toml(value)}" for key, value in contract.items())
    (tmp_path / "pyproject.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    target = tmp_path.joinpath(*module.split(".")).with_suffix(".py")
    target.write_text(source, encoding="utf-8")
    result = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result.stdout + result.stderr


@pytest.mark.parametrize(
    ("module", "source", "broken"),
    [
        ("simulator.engine._probe", "import django\n", "import no Django BROKEN"),
        ("simulator.quiz._probe", "from django.db import models\n", "import no Django BROKEN"),
        ("simulator.engine._probe", "import simulator.quiz\n", "then engine BROKEN"),
        ("simulator.quiz._probe", "import simulator.web\n", "then engine BROKEN"),
        ("simulator.web._probe", "import simulator.s3api\n", "then engine BROKEN"),
        (
            "simulator.web._probe",
            "from simulator.engine.s3 import model\n",
            "only its public modules BROKEN",
        ),
        (
            "simulator.quiz._probe",
            "from simulator.engine.crypto import fingerprint\n",
            "only its public modules BROKEN",
        ),
        (
            "simulator.s3api._probe",
            "import simulator.engine.kms.service\n",
            "only its public modules BROKEN",
        ),
    ],
)
def test_import_contracts_catch_a_forbidden_import(
    tmp_path: Path, module: str, source: str, broken: str
) -> None:
    output = lint_with_extra_module(tmp_path, module, source)

    assert broken in output, output


def test_a_harmless_import_keeps_every_contract(tmp_path: Path) -> None:
    output = lint_with_extra_module(tmp_path, "simulator.engine._probe", "import json\n")

    assert "0 broken" in output, output


def test_the_engines_public_modules_keep_every_contract(tmp_path: Path) -> None:
    source = (
        "from simulator.engine import Engine, readmodel, vocabulary, hosting, tamper\n"
        "from simulator.engine.readmodel import object_at_rest\n"
        "from simulator.engine.hosting import fingerprint\n"
    )
    output = lint_with_extra_module(tmp_path, "simulator.web._probe", source)

    assert "0 broken" in output, output
