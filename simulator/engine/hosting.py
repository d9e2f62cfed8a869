"""What a host needs to run the engine: a store, a clock, randomness, its own limits.

The web lab (and later the endpoint) builds engines for its sandboxes, keeps their
records and blobs in its own store, and may refuse writes over its quotas. These are
the engine's names for that, in one public place, so a host never reaches into the
engine's internals:

* the store: ``Store`` (the protocol), ``MemoryStore``, ``BlobExists``, ``blob_ids``
  (the blobs an object record owns), ``object_id`` and ``part_id`` (the ids of an
  object's record and of a multipart upload part's record);
* time and randomness: ``Clock``, ``FixedClock``, ``SystemClock``, ``Entropy``,
  ``SeededEntropy``, ``SystemEntropy``;
* admission (``s3.admission``): ``Admission``, ``Refusal``, the ``Route`` and
  ``Headers`` an admission is asked with, and ``COPY_SOURCE``;
* ``error_document``: S3's XML error body, for a host that answers as S3 does
  (the web's rate limiter);
* ``fingerprint``: the short, one-way name the trace gives key material;
* ``operation_of``: the S3 operation a request names, as the engine routes it (a host's
  list of requests names each without reading its trace).
"""

from __future__ import annotations

from .clock import Clock, FixedClock, SystemClock
from .crypto import Entropy, SeededEntropy, SystemEntropy, fingerprint
from .errors import S3Error
from .requests import Headers, S3Request
from .s3.admission import Admission, Refusal
from .s3.model import blob_ids, object_id
from .s3.multipart import part_id
from .s3.routing import COPY_SOURCE, Route, find_route
from .s3.xml import error_document
from .store import BlobExists, MemoryStore, Store

__all__ = [
    "COPY_SOURCE",
    "Admission",
    "BlobExists",
    "Clock",
    "Entropy",
    "FixedClock",
    "Headers",
    "MemoryStore",
    "Refusal",
    "Route",
    "SeededEntropy",
    "Store",
    "SystemClock",
    "SystemEntropy",
    "blob_ids",
    "error_document",
    "fingerprint",
    "object_id",
    "operation_of",
    "part_id",
]


def operation_of(
    method: str, bucket: str, key: str, query: dict[str, str], headers: Headers
) -> str:
    """The S3 API operation of a request (``ListObjects``, ``CopyObject``, ...), as the
    engine's routing table names it; ``""`` for a request no operation takes."""
    request = S3Request(method=method, bucket=bucket, key=key, query=dict(query))
    try:
        return find_route(request, headers).name
    except S3Error:
        return ""
