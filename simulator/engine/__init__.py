"""The S3 Encryption Lab engine: a real in-process simulation of S3 and KMS encryption.

Pure Python and ``cryptography``; imports no Django. The public face (design §3):

    from simulator.engine import Engine, KMSError, MemoryStore, S3Request, S3Response, cse

and the public modules beside it: ``readmodel`` (what an account holds, typed, read
only), ``vocabulary`` (the client's names: modes, headers, principals), ``hosting``
(what a host needs to run engines), ``drafts`` (a draft bucket policy tried on
requests before it is saved), ``policy``, ``cse``, ``trace``, ``errors`` and ``safejson``.
"""

from . import cse, hosting, readmodel, vocabulary
from .engine import Engine
from .errors import DecryptError, KMSError, S3Error
from .requests import S3Request, S3Response
from .store import MemoryStore, Store
from .tamper import Tampered, TamperError

__all__ = [
    "DecryptError",
    "Engine",
    "KMSError",
    "MemoryStore",
    "S3Error",
    "S3Request",
    "S3Response",
    "Store",
    "TamperError",
    "Tampered",
    "cse",
    "hosting",
    "readmodel",
    "vocabulary",
]
