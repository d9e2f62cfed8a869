"""KMS keys and aliases as store records, and the shapes KMS answers with.

A KMS key is one record of kind ``kms_key`` filed under its key id. Its key material
versions are kept in the record, each wrapped under the engine's deployment key, so
the store never holds usable key material. An alias is a record of kind
``kms_alias`` filed under its name.

Key states (s3-facts §5): ``Enabled``, ``Disabled`` and ``PendingDeletion``. When the
waiting period of a key pending deletion ends, the record stays as a tombstone
(``Deleted: true``, no material) so that the disk inspector and ciphertexts that
name it can still tell "this key was deleted".
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

ENABLED = "Enabled"
DISABLED = "Disabled"
PENDING_DELETION = "PendingDeletion"
KEY_STATES = (ENABLED, DISABLED, PENDING_DELETION)

CUSTOMER = "CUSTOMER"
AWS = "AWS"

SYMMETRIC_DEFAULT = "SYMMETRIC_DEFAULT"
ENCRYPT_DECRYPT = "ENCRYPT_DECRYPT"

AWS_S3_ALIAS = "alias/aws/s3"
AWS_S3_DESCRIPTION = "Default master key that protects my S3 objects when no other key is defined"

DEFAULT_ROTATION_DAYS = 365
MIN_ROTATION_DAYS = 90
MAX_ROTATION_DAYS = 2560
MAX_ON_DEMAND_ROTATIONS = 10
DEFAULT_PENDING_WINDOW_DAYS = 30
MIN_PENDING_WINDOW_DAYS = 7
MAX_PENDING_WINDOW_DAYS = 30

KEY_ID_PATTERN = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
ALIAS_NAME_PATTERN = re.compile(r"^alias/[a-zA-Z0-9/_-]+$")


def key_arn(region: str, account: str, key_id: str) -> str:
    return f"arn:aws:kms:{region}:{account}:key/{key_id}"


def alias_arn(region: str, account: str, alias_name: str) -> str:
    return f"arn:aws:kms:{region}:{account}:{alias_name}"


def stamp(moment: datetime) -> str:
    """How records keep a moment: ISO 8601 in UTC, microseconds included."""
    return moment.astimezone(UTC).isoformat()


def parse_stamp(text: str) -> datetime:
    return datetime.fromisoformat(text)


def epoch(text: str) -> float:
    """A record's moment as the KMS JSON protocol sends timestamps: epoch seconds."""
    return round(parse_stamp(text).timestamp(), 3)


# The policy texts below are laid out the way KMS returns them from GetKeyPolicy
# (its JSON printer puts spaces around colons and opens lists on the same line).


def default_key_policy(account: str) -> str:
    """The default key policy of a key created through the API (s3-facts §5, [KMS-KP])."""
    return (
        "{\n"
        '  "Version" : "2012-10-17",\n'
        '  "Id" : "key-default-1",\n'
        '  "Statement" : [ {\n'
        '    "Sid" : "Enable IAM User Permissions",\n'
        '    "Effect" : "Allow",\n'
        '    "Principal" : {\n'
        f'      "AWS" : "arn:aws:iam::{account}:root"\n'
        "    },\n"
        '    "Action" : "kms:*",\n'
        '    "Resource" : "*"\n'
        "  } ]\n"
        "}"
    )


def aws_s3_key_policy(account: str, region: str) -> str:
    """The fixed policy of the AWS managed key ``aws/s3``.

    Anyone in the account may use the key through S3; the account may only read its
    metadata directly. Nobody may manage it, which is why management calls on it are
    refused (``AccessDeniedException``).
    """
    return (
        "{\n"
        '  "Version" : "2012-10-17",\n'
        '  "Id" : "auto-s3-2",\n'
        '  "Statement" : [ {\n'
        '    "Sid" : "Allow access through S3 for all principals in the account that are '
        'authorized to use S3",\n'
        '    "Effect" : "Allow",\n'
        '    "Principal" : {\n'
        '      "AWS" : "*"\n'
        "    },\n"
        '    "Action" : [ "kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", '
        '"kms:GenerateDataKey*", "kms:DescribeKey" ],\n'
        '    "Resource" : "*",\n'
        '    "Condition" : {\n'
        '      "StringEquals" : {\n'
        f'        "kms:CallerAccount" : "{account}",\n'
        f'        "kms:ViaService" : "s3.{region}.amazonaws.com"\n'
        "      }\n"
        "    }\n"
        "  }, {\n"
        '    "Sid" : "Allow direct access to key metadata to the account",\n'
        '    "Effect" : "Allow",\n'
        '    "Principal" : {\n'
        f'      "AWS" : "arn:aws:iam::{account}:root"\n'
        "    },\n"
        '    "Action" : [ "kms:Describe*", "kms:Get*", "kms:List*" ],\n'
        '    "Resource" : "*"\n'
        "  } ]\n"
        "}"
    )


def key_metadata(record: dict[str, Any]) -> dict[str, Any]:
    """``KeyMetadata`` as DescribeKey and CreateKey return it."""
    state = record["KeyState"]
    metadata: dict[str, Any] = {
        "AWSAccountId": record["AWSAccountId"],
        "KeyId": record["KeyId"],
        "Arn": record["Arn"],
        "CreationDate": epoch(record["CreationDate"]),
        "Enabled": state == ENABLED,
        "Description": record["Description"],
        "KeyUsage": ENCRYPT_DECRYPT,
        "KeyState": state,
    }
    if state == PENDING_DELETION and record.get("DeletionDate"):
        metadata["DeletionDate"] = epoch(record["DeletionDate"])
    metadata.update(
        {
            "Origin": "AWS_KMS",
            "KeyManager": record["KeyManager"],
            "CustomerMasterKeySpec": SYMMETRIC_DEFAULT,
            "KeySpec": SYMMETRIC_DEFAULT,
            "EncryptionAlgorithms": [SYMMETRIC_DEFAULT],
            "MultiRegion": False,
            "CurrentKeyMaterialId": record["CurrentKeyMaterialId"],
        }
    )
    return metadata


def alias_entry(record: dict[str, Any]) -> dict[str, Any]:
    """One entry of ListAliases."""
    entry: dict[str, Any] = {"AliasName": record["AliasName"], "AliasArn": record["AliasArn"]}
    if record.get("TargetKeyId"):
        entry["TargetKeyId"] = record["TargetKeyId"]
    if record.get("CreationDate"):
        entry["CreationDate"] = epoch(record["CreationDate"])
        entry["LastUpdatedDate"] = epoch(record["LastUpdatedDate"])
    return entry
