"""Small builders for the scenario tests: a valid document to start from, and engines."""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

from simulator.engine import Engine, MemoryStore

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "schemas" / "scenario-v1.schema.json").read_text())
KEY32 = base64.b64encode(bytes(range(32))).decode()


def document(**fields: Any) -> dict[str, Any]:
    """A scenario with a bit of everything, which ``load`` accepts; ``fields`` replace
    top-level fields."""
    base: dict[str, Any] = {
        "format": "s3-encryption-lab/scenario",
        "version": 1,
        "title": "Everything once",
        "description": "A test scenario.",
        "kms_keys": [
            {"ref": "app", "aliases": ["alias/app"], "description": "app key", "rotation": True},
            {"ref": "old", "state": "Disabled"},
        ],
        "buckets": [
            {
                "name": "kms-bucket",
                "default_encryption": {
                    "algorithm": "aws:kms",
                    "kms_key": "app",
                    "bucket_key": True,
                },
            },
            {
                "name": "ssec-bucket",
                "default_encryption": {"algorithm": "AES256"},
                "blocked_encryption_types": [],
            },
            {"name": "plain-bucket"},
        ],
        "objects": [
            {"bucket": "plain-bucket", "key": "hello.txt", "content": {"text": "hello"}},
            {
                "bucket": "kms-bucket",
                "key": "report.csv",
                "content": {"text": "region,total\n"},
                "content_type": "text/csv",
                "metadata": {"team": "finance"},
                "encryption": {
                    "mode": "SSE-KMS",
                    "kms_key": "alias/app",
                    "context": {"dept": "fin"},
                },
            },
            {
                "bucket": "kms-bucket",
                "key": "dsse.bin",
                "content": {"base64": base64.b64encode(b"\x00\xff\x10").decode()},
                "encryption": {"mode": "DSSE-KMS", "kms_key": "app"},
            },
            {
                "bucket": "plain-bucket",
                "key": "under-old.txt",
                "content": {"text": "written while the key was enabled"},
                "encryption": {"mode": "SSE-KMS", "kms_key": "old"},
            },
            {
                "bucket": "ssec-bucket",
                "key": "secret.txt",
                "content": {"generate": {"bytes": 100, "pattern": "ab"}},
                "encryption": {"mode": "SSE-C", "customer_key_base64": KEY32},
            },
            {
                "bucket": "plain-bucket",
                "key": "client-side.bin",
                "content": {"text": "encrypted in the client"},
                "encryption": {"mode": "CSE", "wrapping_key_base64": KEY32},
            },
            {
                "bucket": "plain-bucket",
                "key": "client-kms.bin",
                "content": {"text": "encrypted in the client under KMS"},
                "encryption": {"mode": "CSE", "kms_key": "app", "context": {"purpose": "test"}},
            },
        ],
        "requests": [
            {"action": "GetObject", "bucket": "plain-bucket", "key": "under-old.txt"},
            {
                "action": "PutObject",
                "bucket": "plain-bucket",
                "key": "anon.txt",
                "principal": "anonymous",
                "body": {"text": "x"},
            },
        ],
    }
    base.update(fields)
    return copy.deepcopy(base)


def engine(seed: str | None = "test-seed") -> Engine:
    return Engine(store=MemoryStore(), seed=seed)
