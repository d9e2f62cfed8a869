"""Every S3 and KMS error carries a stable, machine-readable reason, listed in one place.

Issue 9: "``S3Error`` and ``KMSError`` carry a stable machine-readable reason (the
constructors in ``s3/errors.py`` already are the reasons)". The web's error explanations
are keyed by (code, reason), never by AWS's English message, so a reason that is missing
from ``S3_REASONS``/``KMS_REASONS``, given with another code, or given twice to different
causes would silently lose its explanation. These tests read the engine's source, so a
new ``raise`` without a listed reason fails here.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from simulator.engine import Engine, KMSError, S3Error, S3Request
from simulator.engine.errors import KMS_REASONS, S3_REASONS
from simulator.engine.s3 import complete, multipart
from simulator.engine.s3 import errors as s3_errors

ENGINE = Path(__file__).resolve().parents[2] / "simulator" / "engine"
# The constructors that take the reason from their caller: generic shapes, not causes.
GENERIC = {"access_denied", "invalid_argument", "invalid_request", "from_kms"}
S3_BUILDERS = {"S3Error", *GENERIC} - {"from_kms"}


def _constructors(module: ModuleType) -> Iterator[Callable[..., S3Error]]:
    for name, fn in vars(module).items():
        if (
            inspect.isfunction(fn)
            and fn.__module__ == module.__name__
            and not name.startswith("_")
            and name not in GENERIC
            and inspect.signature(fn).return_annotation in ("S3Error", S3Error)
        ):
            yield fn


CONSTRUCTORS = [fn for module in (s3_errors, multipart, complete) for fn in _constructors(module)]


def _sample(param: inspect.Parameter) -> Any:
    return 7 if param.annotation in ("int", int) else "sample"


def test_the_constructors_are_found() -> None:
    names = {fn.__name__ for fn in CONSTRUCTORS}
    assert {"no_such_bucket", "ssec_wrong_key", "no_such_upload", "invalid_part"} <= names
    assert len(CONSTRUCTORS) >= 50


@pytest.mark.parametrize("constructor", CONSTRUCTORS, ids=lambda fn: fn.__name__)
def test_each_constructor_gives_its_own_name_as_reason(
    constructor: Callable[..., S3Error],
) -> None:
    args = [_sample(p) for p in inspect.signature(constructor).parameters.values()]
    error = constructor(*args)
    assert error.reason == constructor.__name__
    assert S3_REASONS[error.reason] == error.code


def test_constructor_names_are_unique_across_modules() -> None:
    names = [fn.__name__ for fn in CONSTRUCTORS]
    assert len(names) == len(set(names))


def test_reasons_are_snake_case_and_the_two_lists_are_disjoint() -> None:
    for reason in [*S3_REASONS, *KMS_REASONS]:
        assert reason.isidentifier() and reason == reason.lower() and "__" not in reason
    # S3 relays KMS's reason (``from_kms``): one name must not mean two causes.
    assert not set(S3_REASONS) & set(KMS_REASONS)


def _calls(builders: set[str]) -> Iterator[tuple[str, ast.Call]]:
    for path in sorted(ENGINE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                if name in builders:
                    yield f"{path.relative_to(ENGINE)}:{node.lineno}", node


def _reason_of(node: ast.Call) -> ast.expr | None:
    return next((k.value for k in node.keywords if k.arg == "reason"), None)


def _literal_reasons(builders: set[str], table: Mapping[str, str]) -> dict[str, list[str]]:
    """Each literal ``reason=`` given to ``builders`` in the engine, with where it is."""
    found: dict[str, list[str]] = {}
    for where, node in _calls(builders):
        value = _reason_of(node)
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            assert value.value in table, f"{where}: reason {value.value!r} is not listed"
            found.setdefault(value.value, []).append(where)
    return found


def test_every_kms_error_names_a_listed_reason_with_its_code() -> None:
    sites = list(_calls({"KMSError"}))
    assert len(sites) > 40
    for where, node in sites:
        value = _reason_of(node)
        assert isinstance(value, ast.Constant), f"{where}: no literal reason"
        code = node.args[0]
        assert isinstance(code, ast.Constant), f"{where}: no literal code"
        assert KMS_REASONS.get(str(value.value)) == code.value, f"{where}: {value.value!r}"
    # AccessDenied (kms/authorization.py) is a KMSError built through super().__init__.
    assert KMS_REASONS["not_authorized"] == "AccessDeniedException"


def test_every_s3_error_outside_the_constructors_names_a_listed_reason() -> None:
    for where, node in _calls(S3_BUILDERS):
        value = _reason_of(node)
        if value is None:
            pytest.fail(f"{where}: an S3 error without a reason")
        if isinstance(value, ast.Constant):
            assert value.value in S3_REASONS, f"{where}: {value.value!r} is not listed"
        else:
            # Only the generic builders pass a reason through, and from_kms KMS's own.
            assert ast.unparse(value) in ("reason", "error.reason"), where


def test_no_listed_reason_is_stale() -> None:
    """Each listed reason is given somewhere: a constructor's name or a literal."""
    given = {fn.__name__ for fn in CONSTRUCTORS} | set(_literal_reasons(S3_BUILDERS, S3_REASONS))
    assert set(S3_REASONS) == given
    assert set(KMS_REASONS) == set(_literal_reasons({"KMSError", "__init__"}, KMS_REASONS))


def test_s3_relays_the_kms_reason() -> None:
    relayed = s3_errors.from_kms(KMSError("DisabledException", "off", reason="key_disabled"))
    assert (relayed.code, relayed.reason) == ("KMS.DisabledException", "key_disabled")
    denied = s3_errors.from_kms(
        KMSError("AccessDeniedException", "User: x", reason="not_authorized")
    )
    assert (denied.code, denied.reason) == ("AccessDenied", "not_authorized")


# --------------------------------------------------------------------------- in the trace


def test_the_error_step_carries_the_reason_beside_the_code() -> None:
    engine = Engine(seed=9)
    response = engine.s3(S3Request(method="GET", bucket="no-such-bucket", key="k"))
    (step,) = [s for s in response.trace if s.kind == "error"]
    assert (step.outcome, step.detail["reason"]) == ("NoSuchBucket", "no_such_bucket")


def test_a_kms_failure_seen_by_s3_carries_kms_reason_in_both_steps() -> None:
    engine = Engine(seed=9)
    assert engine.s3(S3Request(method="PUT", bucket="lab-bucket")).status == 200
    missing = "arn:aws:kms:us-east-1:111122223333:key/" + "0" * 8 + "-0000-0000-0000-" + "0" * 12
    response = engine.s3(
        S3Request(
            method="PUT",
            bucket="lab-bucket",
            key="k",
            body=b"x",
            headers={
                "x-amz-server-side-encryption": "aws:kms",
                "x-amz-server-side-encryption-aws-kms-key-id": missing,
            },
        )
    )
    assert response.error_code == "KMS.NotFoundException"
    error = next(s for s in response.trace if s.kind == "error")
    assert error.detail["reason"] == "key_not_found"


def test_kms_errors_from_the_json_api_carry_their_reason() -> None:
    engine = Engine(seed=9)
    with pytest.raises(KMSError) as raised:
        engine.kms("DescribeKey", {"KeyId": "alias/none"})
    assert (raised.value.code, raised.value.reason) == ("NotFoundException", "alias_not_found")
    with pytest.raises(KMSError) as raised:
        engine.kms("NoSuchAction", {})
    assert raised.value.reason == "unknown_operation"
