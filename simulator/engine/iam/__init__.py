"""IAM for the sandbox account, and how identity and resource policies combine.

    engine.iam.create_user("carol")
    engine.iam.put_user_policy("bob", text)      # IAMError MalformedPolicyDocument
    engine.iam.get_user_policy("bob"); engine.iam.delete_user_policy("bob")

Layout: ``users`` (``IAMService``: users and inline identity policies as ``iam_user``
records), ``cache`` (``PolicyCache``: every policy text parsed once per engine),
``decisions`` (the combination rules for S3 and KMS, AWS's access-denied messages and
the lazily explained ``Decision`` a ``policy.evaluated`` trace step carries).
"""

from .cache import PolicyCache
from .decisions import (
    ANONYMOUS,
    OTHER_ACCOUNT,
    SAME_ACCOUNT,
    Decision,
    Verdict,
    combine_kms,
    combine_s3,
    denied_message,
    evaluate_documents,
    scope_of,
)
from .users import (
    DEFAULT_POLICY_NAME,
    DEFAULT_USER_POLICY,
    DEFAULT_USERS,
    USER_KIND,
    IAMError,
    IAMService,
)

__all__ = [
    "ANONYMOUS",
    "DEFAULT_POLICY_NAME",
    "DEFAULT_USERS",
    "DEFAULT_USER_POLICY",
    "OTHER_ACCOUNT",
    "SAME_ACCOUNT",
    "USER_KIND",
    "Decision",
    "IAMError",
    "IAMService",
    "PolicyCache",
    "Verdict",
    "combine_kms",
    "combine_s3",
    "denied_message",
    "evaluate_documents",
    "scope_of",
]
