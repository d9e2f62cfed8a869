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
* ``fingerprint``: the short, one-way name the trace gives key material.
"""

from __future__ import annotations

from .clock import Clock, FixedClock, SystemClock
from .crypto import Entropy, SeededEntropy, SystemEntropy, fingerprint
from .requests import Headers
from .s3.admission import Admission, Refusal
from .s3.model import blob_ids, object_id
from .s3.multipart import part_id
from .s3.routing import COPY_SOURCE, Route
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
    "part_id",
]
