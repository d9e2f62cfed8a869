"""Simulated Amazon S3: ``S3Service(account, audit=, kms=, iam=).handle(request)``.

How the package is cut, for the engineer who adds the next operation:

* ``service`` — ``S3Service.handle``: ids, the first and last trace steps, routing,
  the host's admission hook, ``authorization``, turning ``S3Error`` / ``KMSError`` / ``DecryptError`` into
  XML error responses. It never raises.
* ``routes`` — the route vocabulary (``Route``, ``SUBRESOURCES``, ``level_of``), a leaf
  that ``authorization`` can import without a cycle through the table.
* ``routing`` — the table (method, level, sub-resource flags, selecting header) →
  ``handler(call) -> Reply`` and the IAM action(s) the request is decided on
  (``extra_actions``; ``per_key`` when the handler decides per object, as DeleteObjects
  does); what S3 would serve but the lab does not (RestoreObject, ACLs ...)
  answers 501.
* ``authorization`` — who may do what, before any SSE header is validated: the request
  context from the request alone (``request_keys``), the caller's identity policies and
  the bucket policy combined as IAM does (``decide``, one ``policy.evaluated`` step per
  decision), the copy source's ``s3:GetObject``, and the SSE-C block of
  ``BlockedEncryptionTypes``. KMS key policies are decided inside ``engine.kms``.
* ``context`` — ``Call`` (request, headers, trace, ids, the ``Account``, and ``kms``,
  ``iam``, ``audit``) and ``Reply``; the ``KMSForS3`` and ``IAMForS3`` protocols S3
  codes against: the engine hands S3 its siblings, S3 never reaches for the engine.
* ``headers`` — SSE header parsing and validation: ``parse_write_headers`` (any write,
  CopyObject's target included), ``parse_customer_key`` (also the copy-source trio with
  ``prefix=COPY_SOURCE_CUSTOMER``), ``check_read_headers`` (GET/HEAD),
  ``parse_storage_class``.
* ``conditions`` — conditional requests: If-Match, If-None-Match, If-Modified-Since,
  If-Unmodified-Since on reads (412/304), writes (412, 409) and copy sources (412).
* ``sse`` — the modes behind one interface: ``resolve`` (headers vs bucket default),
  ``begin_encrypt`` → ``Sealer`` (stream in, blob out, ``record``),
  ``response_headers``; ``unseal`` — ``open_object`` → ``Opener.chunks`` (blob →
  plaintext, ranges), ``check_customer_key`` (SSE-C reads), ``rewrap_to_kms`` (new key
  wrapping, same blob: UpdateObjectEncryption). Uses ``root_keys`` (SSE-S3 root key
  versions and rotation) and ``bucket_keys`` (the S3 Bucket Key cache).
* ``checksums`` — Content-MD5 and ``x-amz-checksum-*`` of an upload (``UploadIntegrity``).
* ``objects`` — Put/Get/Head/DeleteObject; ``listing`` — ListObjectsV2 and ListObjects
  (v1); ``ranges``.
* ``copy`` — CopyObject (a streaming re-encryption); ``multipart`` (Create, Abort,
  ListParts, ListMultipartUploads, the SSE-C part rules), ``parts`` (UploadPart, UploadPartCopy) and
  ``complete`` — multipart uploads, one blob per part under the upload's key;
  ``reading`` — an object's plaintext across its blob or part blobs;
  ``update_encryption`` — UpdateObjectEncryption (re-wrap only); ``delete_objects`` —
  DeleteObjects (each key authorized on its own); ``data_events`` — their CloudTrail
  data events.
* ``buckets``, ``bucket_encryption``, ``bucket_policy`` — bucket-level operations
  (``bucket_policy`` validates a policy with ``engine.policy`` and keeps its text byte for
  byte).
* ``model`` — the records (``Bucket``, ``StoredObject``, ``EncryptionRecord``) and the
  store kinds S3 uses; ``errors`` — constructors with AWS's exact messages, each named
  after the stable reason it carries (``errors.S3_REASONS``); ``xml`` —
  a safe parser (no DTDs or entities) and a small writer; ``streams`` — chunked body
  reading and the decrypting response stream; ``names`` — bucket and key rules.
"""

from .service import S3Service

__all__ = ["S3Service"]
