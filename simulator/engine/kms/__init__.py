"""Simulated AWS KMS: customer managed keys, the AWS managed key ``aws/s3``, aliases,
key states, rotation, key policies, encryption context, audit events and cost.

The package is split by concern:

* ``service`` — ``KMSService``: the JSON API door (``call``) and the door S3 uses
  (``resolve_key_for_s3``, ``generate_data_key``, ``decrypt``, ``describe``);
* ``admin`` (keys, states, deletion, policies), ``aliases``, ``rotation`` and
  ``cryptops`` (data keys, Encrypt, Decrypt, ReEncrypt) — the operations, with
  ``calls`` for the request in flight and the ``KMSPort`` a handler is given (never
  the service), and ``events`` for its audit event;
* ``authorization`` — key policies and identity policies, through ``IAMForKMS``;
* ``keystore`` — key and alias records, lazy deletion and automatic rotation;
* ``model`` — record shapes, ARNs, default key policies; ``rules`` — key states;
* ``blob`` and ``context`` — the ciphertext format and the encryption-context AAD;
* ``params`` — JSON parameter validation; ``pricing`` — the cost estimate.
"""

from .service import DataKey, KMSService

__all__ = ["DataKey", "KMSService"]
