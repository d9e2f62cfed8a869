"""``PolicyCache``: each policy text is parsed once, when it is stored, not on every request.

Bucket, key and identity policies live in the store as text (byte for byte, as AWS
returns them). Parsing compiles wildcards and conditions, which costs far more than
evaluating, so every engine keeps one small least-recently-used cache of parsed
documents keyed by the text itself (Python hashes a string once and keeps the hash) and
by how it was parsed. The cache belongs to the engine instance: no module state, and a
second process that shares the database simply parses a policy the first time it meets it.
"""

from __future__ import annotations

import base64
from collections import OrderedDict

from ..policy import Policy, parse_policy

DEFAULT_SIZE = 256


class PolicyCache:
    """Parsed policies by (kind, bucket, text); a ``PolicyError`` is raised, never cached."""

    __slots__ = ("_encoded", "_entries", "_size", "hits", "misses")

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self._entries: OrderedDict[tuple[str, str, str], Policy] = OrderedDict()
        # The same documents by their base64 form (how a bucket record keeps its policy),
        # so that a request does not decode the text only to look it up.
        self._encoded: OrderedDict[tuple[str, str, str], Policy] = OrderedDict()
        self._size = size
        self.hits = 0
        self.misses = 0

    def parse_b64(self, encoded: str, *, kind: str, bucket: str = "") -> Policy:
        """``parse`` of the UTF-8 text that ``encoded`` is the base64 of.

        Raises ``binascii.Error`` or ``UnicodeDecodeError`` for a bad encoding and
        ``PolicyError`` for a bad document; none of them is cached.
        """
        entry = (kind, bucket, encoded)
        doc = self._encoded.get(entry)
        if doc is not None:
            self.hits += 1
            self._encoded.move_to_end(entry)
            return doc
        doc = self.parse(base64.b64decode(encoded).decode("utf-8"), kind=kind, bucket=bucket)
        self._encoded[entry] = doc
        if len(self._encoded) > self._size:
            self._encoded.popitem(last=False)
        return doc

    def parse(self, text: str, *, kind: str, bucket: str = "") -> Policy:
        entry = (kind, bucket, text)
        doc = self._entries.get(entry)
        if doc is not None:
            self.hits += 1
            self._entries.move_to_end(entry)
            return doc
        self.misses += 1
        doc = parse_policy(text, kind=kind, bucket=bucket)
        self._entries[entry] = doc
        if len(self._entries) > self._size:
            self._entries.popitem(last=False)
        return doc

    def __len__(self) -> int:
        return len(self._entries)
