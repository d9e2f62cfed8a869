"""Mutation testing of the engine's rule modules with mutmut, one module at a time.

    .venv/bin/python scripts/mutate.py                 # every module below
    .venv/bin/python scripts/mutate.py wildcards sse   # some of them
    .venv/bin/python scripts/mutate.py --rev HEAD      # a commit instead of the working tree
    .venv/bin/python scripts/mutate.py --again         # only the last run's survivors
    .venv/bin/python scripts/mutate.py --list          # the modules and their tests

mutmut reads its settings from ``[tool.mutmut]`` in the pyproject.toml of the folder it
runs in, and copies the source into a ``mutants/`` folder there. So each module gets a
scratch copy of the project under ``mutants/<module>/`` whose pyproject.toml holds the
shared ``[tool.mutmut]`` settings plus that module's file (``only_mutate``) and its own
fast tests (``pytest_add_cli_args_test_selection``): a run never executes the whole
suite. Hypothesis runs with the ``mutation`` profile of tests/conftest.py: derandomized,
so two runs of the same tree give the same verdicts, and with a small budget, so each
mutant costs seconds; the table tests carry the verdicts.

At the end it prints killed/total per module. A mutant counts as killed when a test
fails, times out or crashes under it; "no tests" and "survived" are not killed. The
surviving mutants that are equivalent to the original are listed with their reasons in
tests/MUTATION.md; the script names the survivors that file does not explain.

Slow (minutes per module): it is run by hand, not in CI. Install mutmut first:
``.venv/bin/pip install -e '.[mutation]'``.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRATCH = ROOT / "mutants"
SURVIVOR_LIST = ROOT / "tests" / "MUTATION.md"
GOAL = 0.90
KILLED = {"killed", "timeout", "caught by type check", "segfault"}


@dataclass(frozen=True)
class Module:
    path: str
    tests: tuple[str, ...]


MODULES: dict[str, Module] = {
    "wildcards": Module(
        "simulator/engine/policy/wildcards.py",
        ("tests/engine/policy",),
    ),
    "conditions": Module(
        "simulator/engine/policy/conditions.py",
        ("tests/engine/policy",),
    ),
    "evaluate": Module(
        "simulator/engine/policy/evaluate.py",
        ("tests/engine/policy",),
    ),
    "headers": Module(
        "simulator/engine/s3/headers.py",
        (
            "tests/engine/s3/test_sse.py",
            "tests/engine/s3/test_objects.py",
            "tests/engine/s3/test_copy.py",
            "tests/engine/s3/test_multipart.py",
        ),
    ),
    "sse": Module(
        "simulator/engine/s3/sse.py",
        (
            "tests/engine/s3/test_sse.py",
            "tests/engine/s3/test_at_rest_known_answers.py",
            "tests/engine/s3/test_contract.py",
            "tests/engine/s3/test_objects.py",
            "tests/engine/s3/test_buckets.py",
            "tests/engine/s3/test_trace_secrets.py",
            "tests/engine/s3/test_multipart.py",
            "tests/engine/s3/test_update_encryption.py",
            "tests/engine/s3/test_copy.py",
            "tests/engine/s3/test_sse_rules_table.py",
        ),
    ),
    "bucket_encryption": Module(
        "simulator/engine/s3/bucket_encryption.py",
        (
            "tests/engine/s3/test_buckets.py",
            "tests/engine/s3/test_sse.py",
            "tests/engine/s3/test_copy.py",
        ),
    ),
    "copy": Module(
        "simulator/engine/s3/copy.py",
        (
            "tests/engine/s3/test_copy.py",
            "tests/engine/s3/test_copy_rules_table.py",
            # UploadPartCopy reads its source through copy.py too; the others copy.
            "tests/engine/s3/test_multipart.py",
            "tests/engine/s3/test_store_failures.py",
            "tests/engine/s3/test_update_encryption.py",
            "tests/engine/s3/test_user_metadata_rules.py",
            "tests/engine/s3/test_trace_secrets.py",
        ),
    ),
    "kms_rules": Module(
        "simulator/engine/kms/rules.py",
        (
            "tests/engine/kms/test_kms_states.py",
            "tests/engine/kms/test_kms_keys.py",
            "tests/engine/kms/test_kms_aliases_policies.py",
            "tests/engine/kms/test_kms_rotation.py",
        ),
    ),
}

COPIED = ("simulator", "tests", "pyproject.toml", "manage.py")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis", "mutants")


def toml_value(value: object) -> str:
    """TOML for the values [tool.mutmut] holds: strings, numbers, booleans, lists of them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    raise TypeError(f"no TOML form for {value!r}")


def without_mutmut_table(text: str) -> str:
    kept: list[str] = []
    inside = False
    for line in text.splitlines():
        if line.strip().startswith("["):
            inside = line.strip() == "[tool.mutmut]"
        if not inside:
            kept.append(line)
    return "\n".join(kept) + "\n"


def prepare(name: str, module: Module, rev: str | None) -> Path:
    """A fresh scratch copy of the project whose [tool.mutmut] targets one module."""
    scratch = SCRATCH / name
    if scratch.exists():
        shutil.rmtree(scratch)
    export(rev, scratch)
    configure(scratch, module)
    return scratch


def export(rev: str | None, target: Path) -> None:
    """The project's files mutmut needs, from the working tree or from a commit."""
    target.mkdir(parents=True)
    if rev is None:
        for item in COPIED:
            source = ROOT / item
            if source.is_dir():
                shutil.copytree(source, target / item, ignore=IGNORED)
            else:
                shutil.copy2(source, target / item)
    else:
        archive = subprocess.run(
            ["git", "archive", rev, *COPIED], cwd=ROOT, check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)


def configure(scratch: Path, module: Module) -> None:
    """The scratch pyproject.toml: the shared [tool.mutmut] plus this module's file and tests."""
    pyproject = scratch / "pyproject.toml"
    text = pyproject.read_text()
    settings = dict(tomllib.loads(text).get("tool", {}).get("mutmut", {}))
    settings["only_mutate"] = [module.path]
    settings["pytest_add_cli_args_test_selection"] = list(module.tests)
    table = "\n".join(f"{key} = {toml_value(value)}" for key, value in settings.items())
    pyproject.write_text(without_mutmut_table(text) + "\n[tool.mutmut]\n" + table + "\n")


def refresh(name: str, module: Module, rev: str | None) -> list[str] | None:
    """For --again: the last run's survivors, with the scratch copy brought up to date.

    Only possible when the module and its test selection are unchanged (mutmut keeps
    its verdicts and the mutants keep their names):
    the tests and every other source file are replaced, the mutated module is kept.
    ``None`` when a fresh run is needed instead.
    """
    scratch = SCRATCH / name
    if not (scratch / "mutants").is_dir():
        return None
    last = tomllib.loads((scratch / "pyproject.toml").read_text())["tool"]["mutmut"]
    if last.get("pytest_add_cli_args_test_selection") != list(module.tests):
        return None  # mutmut would reset every verdict: the test selection changed
    survivors = [m for m, status in results(scratch).items() if status not in KILLED]
    fresh = scratch.with_name(name + ".next")
    if fresh.exists():
        shutil.rmtree(fresh)
    export(rev, fresh)
    try:
        if (fresh / module.path).read_bytes() != (scratch / module.path).read_bytes():
            return None
        for item in COPIED:
            source, target = fresh / item, scratch / item
            if source.is_dir():
                shutil.rmtree(target)
                shutil.copytree(source, target)
            else:
                shutil.copy2(source, target)
        # mutmut keeps files already in mutants/: bring all but the mutated one up to date.
        for source in (fresh / "simulator").rglob("*"):
            relative = source.relative_to(fresh)
            if source.is_file() and str(relative) != module.path:
                target = scratch / "mutants" / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)
        shutil.rmtree(scratch / "mutants" / "tests")
    finally:
        shutil.rmtree(fresh)
    configure(scratch, module)
    return survivors


def run(scratch: Path, children: int, mutants: list[str] | None = None) -> None:
    env = {**os.environ, "HYPOTHESIS_PROFILE": "mutation"}
    env.pop("CI", None)
    command = [sys.executable, "-m", "mutmut", "run", "--max-children", str(children)]
    subprocess.run([*command, *(mutants or [])], cwd=scratch, env=env, check=True)


def results(scratch: Path) -> dict[str, str]:
    output = subprocess.run(
        [sys.executable, "-m", "mutmut", "results", "--all", "true"],
        cwd=scratch,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    verdicts: dict[str, str] = {}
    for line in output.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if name:
            verdicts[name] = status
    return verdicts


def explained_survivors() -> dict[str, set[str]]:
    """The mutants the survivor list explains, by the module section they are listed in.

    A section starts with a heading naming the module (### `policy/wildcards.py`); a
    mutant is written by its short name in backticks (`x_glob__mutmut_3`).
    """
    explained: dict[str, set[str]] = {}
    if not SURVIVOR_LIST.exists():
        return explained
    section = ""
    for line in SURVIVOR_LIST.read_text().splitlines():
        heading = re.match(r"#+ `([\w/.]+\.py)`", line)
        if heading:
            section = heading.group(1)
            continue
        for name in re.findall(r"`(\S+__mutmut_\d+)`", line):
            explained.setdefault(section, set()).add(name)
    return explained


def is_explained(explained: dict[str, set[str]], module: Module, mutant: str) -> bool:
    short = mutant.rsplit(".", 1)[-1]
    return any(
        module.path.endswith("/" + section) and short in names
        for section, names in explained.items()
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", metavar="MODULE", help=", ".join(MODULES))
    parser.add_argument("--rev", help="mutate this commit (git archive) instead of the tree")
    parser.add_argument("--children", type=int, default=1, help="parallel mutants (default 1)")
    parser.add_argument(
        "--again",
        action="store_true",
        help="rerun only the last run's survivors, with the current tests (when the module "
        "is unchanged; otherwise a fresh run)",
    )
    parser.add_argument("--list", action="store_true", help="list the modules and stop")
    options = parser.parse_args()
    if options.list:
        for name, module in MODULES.items():
            print(f"{name:18} {module.path}  <- {' '.join(module.tests)}")
        return 0

    chosen = options.modules or list(MODULES)
    unknown = sorted(set(chosen) - set(MODULES))
    if unknown:
        parser.error(f"unknown module(s) {', '.join(unknown)}; choose from {', '.join(MODULES)}")
    explained = explained_survivors()
    rows: list[tuple[str, int, int, list[str]]] = []
    for name in chosen:
        module = MODULES[name]
        print(f"\n=== {name}: {module.path}", flush=True)
        survivors = refresh(name, module, options.rev) if options.again else None
        if survivors is None:
            scratch = prepare(name, module, options.rev)
            run(scratch, options.children)
        else:
            scratch = SCRATCH / name
            if survivors:
                run(scratch, options.children, survivors)
        verdicts = results(scratch)
        killed = sum(1 for status in verdicts.values() if status in KILLED)
        survivors = sorted(
            f"{mutant} ({status})" for mutant, status in verdicts.items() if status not in KILLED
        )
        rows.append((name, killed, len(verdicts), survivors))

    print("\n==================== mutation score ====================")
    failing = 0
    for name, killed, total, survivors in rows:
        score = killed / total if total else 0.0
        unexplained = [
            s for s in survivors if not is_explained(explained, MODULES[name], s.split(" ")[0])
        ]
        mark = "ok" if score >= GOAL else "LOW"
        failing += mark != "ok"
        print(f"  {mark:4} {name:18} {killed:4}/{total:<4} killed  {score:6.1%}")
        for survivor in unexplained:
            print(f"         not in tests/MUTATION.md: {survivor}")
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
