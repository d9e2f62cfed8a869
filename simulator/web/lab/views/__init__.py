"""The lab's views: sandboxes, buckets, uploads and objects.

Views parse input, call ``sandboxes`` and the engine through the lab's helpers, and
choose a template: nothing more.
"""

from .bucket_views import (
    bucket,
    bucket_encryption,
    bucket_policy,
    bucket_scenario,
    bucket_ssec,
    reencrypt,
)
from .object_views import object_delete, object_detail, object_download
from .sandbox_views import (
    bucket_create,
    sandbox,
    sandbox_create,
    sandbox_delete,
    sandbox_rename,
    sandbox_reset,
    sandbox_restore_demo,
    sandbox_start,
    sandboxes,
)
from .upload_views import upload

__all__ = [
    "bucket",
    "bucket_create",
    "bucket_encryption",
    "bucket_policy",
    "bucket_scenario",
    "bucket_ssec",
    "object_delete",
    "object_detail",
    "object_download",
    "reencrypt",
    "sandbox",
    "sandbox_create",
    "sandbox_delete",
    "sandbox_rename",
    "sandbox_reset",
    "sandbox_restore_demo",
    "sandbox_start",
    "sandboxes",
    "upload",
]
