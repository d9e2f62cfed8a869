"""The S3 Encryption Lab engine: a real in-process simulation of S3 and KMS encryption.

Pure Python and ``cryptography``; imports no Django. The public face (design §3):

    from simulator.engine import Engine, KMSError, MemoryStore, S3Request, S3Response, cse
"""

from . import cse
from .engine import Engine
from .errors import DecryptError, KMSError, S3Error
from .requests import S3Request, S3Response
from .store import MemoryStore, Store

__all__ = [
    "DecryptError",
    "Engine",
    "KMSError",
    "MemoryStore",
    "S3Error",
    "S3Request",
    "S3Response",
    "Store",
    "cse",
]
