"""Every JSON export the trace page offers matches the schema kept in the repository
(schemas/trace-v1.schema.json, design §4), for traces of every kind the engine tells."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
from django.test import Client
from django.urls import reverse

from simulator.engine import cse
from simulator.engine.trace import KINDS, from_json
from simulator.web.models import Sandbox, TraceRecord
from tests.web.tracing.conftest import Run, md5_header, ssec_headers
from tests.web.tracing.test_trace_content import KMS, every_mode_and_failure
from tests.web.tracing.test_trace_long import delete_objects, deny_one_key

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[3] / "schemas" / "trace-v1.schema.json").read_text()
)


def export_of(learner: Client, sandbox: Sandbox, trace: TraceRecord) -> Any:
    response = learner.get(reverse("web:trace_json", args=[sandbox.pk, trace.pk]))
    assert response.status_code == 200
    return json.loads(response.content)


def more_kinds(sandbox: Sandbox, run: Run, bucket: str) -> None:
    """Requests beyond the everyday ones: policies, multipart, KMS refusals, CSE, HTTP."""
    deny_one_key(run, bucket, "ledger.txt")
    run("GET", bucket, query={"policy": ""})
    delete_objects(sandbox, bucket, ["a.txt", "ledger.txt", "日本語 & <b>.txt"])
    run("DELETE", bucket, query={"policy": ""})
    run("GET", bucket, query={"encryption": ""})
    run("DELETE", bucket, query={"encryption": ""})
    run("PUT", bucket, "plain.txt", body=b"over http", secure=False)
    run("PUT", bucket, "c-http.txt", headers=ssec_headers(), body=b"x", secure=False)
    run("DELETE", bucket, "none.txt")
    run("HEAD", bucket, "c.txt", headers=ssec_headers())
    run("POST", bucket, "big.bin", query={"uploads": ""}, headers={KMS: "aws:kms"})
    body, meta = cse.encrypt(b"client side", cse.AESWrap(bytes(range(32))))
    run("PUT", bucket, "cse-v3.bin", body=body, headers=meta)
    run("PUT", "second-bucket")
    run("PUT", "second-bucket", "x", headers=md5_header(b"x"), body=b"x")
    run("DELETE", "second-bucket", "x")
    run("DELETE", "second-bucket")


def test_every_export_matches_the_schema(
    learner: Client, sandbox: Sandbox, run: Run, bucket: str
) -> None:
    every_mode_and_failure(sandbox, run, bucket)
    more_kinds(sandbox, run, bucket)
    validator = jsonschema.Draft202012Validator(SCHEMA)
    kinds: set[str] = set()
    traces = list(TraceRecord.objects.filter(sandbox=sandbox))
    assert len(traces) > 30
    for trace in traces:
        data = export_of(learner, sandbox, trace)
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]
        assert not errors, (trace.method, trace.bucket, trace.key, errors[:3])
        for step in data["steps"]:
            kinds.add(step["kind"])
            assert from_json(step).kind == step["kind"]
    # Every kind the engine tells today (kms.call is for KMS calls S3 does not make yet).
    assert kinds == set(KINDS) - {"kms.call"}, set(KINDS) - kinds


def test_the_schema_refuses_what_the_export_never_holds(
    learner: Client, sandbox: Sandbox, run: Run, bucket: str
) -> None:
    trace = run("PUT", bucket, "k.txt", headers={KMS: "aws:kms"}, body=b"hello")
    data = export_of(learner, sandbox, trace)
    validator = jsonschema.Draft202012Validator(SCHEMA)
    assert validator.is_valid(data)
    unversioned = {**data, "steps": [{**s} for s in data["steps"]]}
    del unversioned["steps"][0]["v"]
    assert not validator.is_valid(unversioned)
    strange = {**data, "steps": [{**data["steps"][0], "kind": "sse.teleport"}]}
    assert not validator.is_valid(strange)
    extra = {**data, "steps": [{**data["steps"][0], "detail": {"colour": "blue"}}]}
    assert not validator.is_valid(extra)
