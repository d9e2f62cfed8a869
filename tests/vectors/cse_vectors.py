"""The client-side encryption known answers of cse.json, decoded: the inputs every test
pins (wrapping key, data key, wrap nonce, IV, message id, plaintext) and the expected
outputs. The engine's tests (tests/engine/cse) and the browser's (tests/browser) both
hold their implementation to them; pytest finds this module through its pythonpath."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

VECTORS: dict[str, Any] = json.loads(Path(__file__).with_name("cse.json").read_text("utf-8"))
_INPUTS = {name.removesuffix("_hex"): bytes.fromhex(v) for name, v in VECTORS["inputs"].items()}
KEK = _INPUTS["wrapping_key"]
DATA_KEY = _INPUTS["data_key"]
WRAP_NONCE = _INPUTS["wrap_nonce"]
IV = _INPUTS["iv"]
MESSAGE_ID = _INPUTS["message_id"]
PLAINTEXT = _INPUTS["plaintext"]
