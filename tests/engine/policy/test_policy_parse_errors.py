"""Documents S3's PutBucketPolicy refuses with 400 MalformedPolicy, in AWS's words.

Messages recorded from S3 (see simulator/engine/policy/parse.py); each row also names the
place in the document, which AWS's message does not, for the learner.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from policy_builders import ALICE, OBJECT_ARN

from simulator.engine.policy import PolicyError, RequestContext, evaluate, parse_policy
from simulator.engine.policy.catalog import S3_ACTIONS
from simulator.engine.s3.routing import ROUTES

GOOD = {
    "Sid": "S",
    "Effect": "Allow",
    "Principal": "*",
    "Action": "s3:GetObject",
    "Resource": "arn:aws:s3:::b/*",
}


def doc(**changes: Any) -> dict[str, Any]:
    statement = {k: v for k, v in {**GOOD, **changes}.items() if v is not None}
    return {"Version": "2012-10-17", "Statement": [statement]}


ROWS = [
    # document, message, location, why
    ("", "Policies must be valid JSON and the first byte must be '{'", "", "empty body"),
    (
        '[{"Version": "2012-10-17"}]',
        "Policies must be valid JSON and the first byte must be '{'",
        "",
        "a JSON array, not an object",
    ),
    (
        ' {"Version": "2012-10-17"}',
        "Policies must be valid JSON and the first byte must be '{'",
        "",
        "S3 checks the very first byte",
    ),
    (
        '{"Version": "2012-10-17",',
        "This policy contains invalid Json",
        "line 1 column 26",
        "truncated JSON",
    ),
    ({"Version": "2012-10-17"}, "Missing required field Statement", "Statement", "no Statement"),
    (
        {"Version": "2012-10-17", "Statement": []},
        "Could not parse the policy: Statement is empty!",
        "Statement",
        "an empty Statement list",
    ),
    (
        {"Version": "2010-01-01", "Statement": [GOOD]},
        "The policy must contain a valid version string",
        "Version",
        "unknown Version",
    ),
    (
        {"Version": "2012-10-17", "Statement": [GOOD], "Statment": []},
        "Unknown field Statment",
        "Statment",
        "a misspelled top-level element",
    ),
    (doc(Effect="Permit"), "Invalid effect: Permit", "Statement[0].Effect", "unknown Effect"),
    (
        doc(Effect="allow"),
        "Invalid effect: allow",
        "Statement[0].Effect",
        "Effect is case-sensitive",
    ),
    (
        doc(Effect=None, Efect="Allow"),
        "Unknown field Efect",
        "Statement[0].Efect",
        "a misspelled element",
    ),
    (doc(Effect=None), "Missing required field Effect", "Statement[0].Effect", "no Effect"),
    (
        doc(Principal=None),
        "Missing required field Principal",
        "Statement[0]",
        "a bucket policy needs a Principal",
    ),
    (doc(Action=None), "Missing required field Action", "Statement[0]", "no Action"),
    (doc(Resource=None), "Missing required field Resource", "Statement[0]", "no Resource"),
    (
        doc(NotAction="s3:PutObject"),
        "Statement cannot contain both Action and NotAction",
        "Statement[0]",
        "Action with NotAction",
    ),
    (
        doc(Action="PutObject"),
        "Policy has invalid action",
        "Statement[0].Action: PutObject",
        "an action without a service prefix",
    ),
    (
        doc(Action="s3:PutObjects"),
        "Policy has invalid action",
        "Statement[0].Action: s3:PutObjects",
        "S3 knows no such action",
    ),
    (
        doc(Action="s3:Foo*"),
        "Policy has invalid action",
        "Statement[0].Action: s3:Foo*",
        "a wildcard that matches no S3 action",
    ),
    (
        doc(Action="iam:CreateUser"),
        "Policy has invalid action",
        "Statement[0].Action: iam:CreateUser",
        "a bucket policy holds S3 actions only",
    ),
    (
        doc(Resource="b/*"),
        "Policy has invalid resource",
        "Statement[0].Resource: b/*",
        "not an ARN",
    ),
    (
        doc(Resource="arn:aws:s3:::other/*"),
        "Policy has invalid resource",
        "Statement[0].Resource: arn:aws:s3:::other/*",
        "another bucket's objects",
    ),
    (
        doc(Principal={"AWS": "alice"}),
        "Invalid principal in policy",
        "Statement[0].Principal",
        "a bare user name",
    ),
    (
        doc(Principal={"AWS": "arn:aws:iam::111122223333:group/devs"}),
        "Invalid principal in policy",
        "Statement[0].Principal",
        "a group cannot be a principal",
    ),
    (
        doc(Principal={"AWS": "arn:aws:iam::111122223333:user/*"}),
        "Invalid principal in policy",
        "Statement[0].Principal",
        "no wildcards inside a principal ARN",
    ),
    (
        doc(Principal={"User": ALICE}),
        "Invalid principal in policy",
        "Statement[0].Principal",
        "an unknown principal type",
    ),
    (
        doc(Principal={}),
        "Missing required field Principal cannot be empty!",
        "Statement[0].Principal",
        "an empty Principal",
    ),
    (
        doc(Condition={"StringEqual": {"s3:x-amz-acl": "private"}}),
        "Invalid Condition type : StringEqual",
        "Statement[0].Condition.StringEqual",
        "an unknown operator",
    ),
    (
        doc(Condition={"ForSomeValues:StringEquals": {"s3:x-amz-acl": "private"}}),
        "Invalid Condition type : ForSomeValues:StringEquals",
        "Statement[0].Condition.ForSomeValues:StringEquals",
        "an unknown set prefix",
    ),
    (
        doc(Condition={"StringEquals": {"s3:x-amz-server-side-encription": "AES256"}}),
        "Policy has an invalid condition key",
        "Statement[0].Condition.StringEquals.s3:x-amz-server-side-encription",
        "a misspelled key",
    ),
    (
        doc(Condition={"StringEquals": {"x-amz-server-side-encryption": "AES256"}}),
        "Policy has an invalid condition key",
        "Statement[0].Condition.StringEquals.x-amz-server-side-encryption",
        "a key with no prefix",
    ),
    (
        doc(Condition={"IpAddress": {"aws:SourceIp": "not-an-ip"}}),
        "Invalid IP address in Conditions",
        "Statement[0].Condition.IpAddress.aws:SourceIp",
        "not an address",
    ),
    *[
        (
            doc(Condition={operator: {key: value}}),
            f"Invalid Condition value for operator {operator}: {value}",
            f"Statement[0].Condition.{operator}.{key}",
            why,
        )
        for operator, key, value, why in [
            ("NumericEquals", "s3:max-keys", "ten", "not a number"),
            ("DateLessThan", "aws:CurrentTime", "soon", "not a date"),
            ("BinaryEquals", "aws:SourceVpc", "not base64!", "not base64"),
            ("Null", "s3:x-amz-server-side-encryption", "maybe", "Null takes true or false"),
        ]
    ],
    *[
        (
            doc(Condition={operator: {"aws:SourceVpc": "x"}}),
            f"Invalid Condition type : {operator}",
            f"Statement[0].Condition.{operator}",
            why,
        )
        for operator, why in [
            ("ForAnyValue:StringLike:Extra", "one set prefix, then one operator"),
            ("ForSomeValues:StringLike", "a set prefix IAM does not have"),
            ("IfExists", "IfExists alone is no operator"),
            ("NullIfExists", "IAM has no NullIfExists"),
        ]
    ],
    (
        {"Statement": [GOOD, GOOD]},
        "Statement IDs (SID) in a single policy must be unique.",
        "Statement[1].Sid",
        "two statements with the same Sid",
    ),
]


@pytest.mark.parametrize(("document", "message", "location", "why"), ROWS, ids=[r[3] for r in ROWS])
def test_malformed_policy_is_refused_with_aws_message_and_location(
    document: Any, message: str, location: str, why: str
) -> None:
    with pytest.raises(PolicyError) as raised:
        parse_policy(document, bucket="b")
    assert raised.value.message == message, why
    assert raised.value.location == location, why
    assert raised.value.code == "MalformedPolicy" and raised.value.status == 400
    assert raised.value.to_dict()["message"] == message


@pytest.mark.parametrize(
    ("operator", "value", "reason"),
    [
        ("NumericLessThan", "x", "invalid_condition_value"),
        ("DateEquals", "x", "invalid_condition_value"),
        ("BinaryEquals", "@", "invalid_condition_value"),
        ("Null", "x", "invalid_condition_value"),
        ("IpAddress", "x", "invalid_ip"),
        ("ForSomeValues:StringEquals", "x", "unknown_set_operator"),
        ("StringEqualz", "x", "unknown_operator"),
        ("NullIfExists", "true", "unknown_operator"),
    ],
)
def test_a_refused_condition_names_its_reason(operator: str, value: str, reason: str) -> None:
    with pytest.raises(PolicyError) as raised:
        parse_policy(doc(Condition={operator: {"aws:SourceVpc": value}}), bucket="b")
    assert raised.value.reason == reason


def test_an_identity_policy_must_not_name_a_principal() -> None:
    with pytest.raises(PolicyError, match="should not specify a principal"):
        parse_policy(doc(), kind="identity")


@pytest.mark.parametrize(
    ("document", "why"),
    [
        ({"Statement": GOOD}, "Statement may be one object instead of a list"),
        (json.dumps(doc()), "JSON text"),
        (json.dumps(doc()).encode(), "JSON bytes"),
        ({"Version": "2008-10-17", "Statement": [GOOD]}, "the older Version"),
        (doc(Condition={"StringEquals": {"aws:SomethingNew": "x"}}), "S3 does not check aws: keys"),
        (
            doc(Condition={"StringLike": {"s3:RequestObjectTag/team": "blue"}}),
            "tag keys take any suffix",
        ),
        (
            doc(Principal={"AWS": ["111122223333", "arn:aws:iam::444455556666:root"]}),
            "bare account ids and root ARNs",
        ),
        (doc(Action=["s3:Get*", "S3:PUTOBJECT"]), "wildcards and any case"),
        (doc(Condition={"Bool": {"aws:SecureTransport": False}}), "a JSON boolean value"),
    ],
)
def test_well_formed_documents_are_accepted(document: Any, why: str) -> None:
    parsed = parse_policy(document, bucket="b")
    ctx = RequestContext("s3:GetObject", OBJECT_ARN, ALICE)
    assert evaluate(parsed, ctx).decision in ("Allow", "ImplicitDeny"), why


def test_version_defaults_to_2008_10_17() -> None:
    assert parse_policy({"Statement": GOOD}).version == "2008-10-17"


# The actions the lab's own requests are decided on, and neighbours a learner will write:
# each is in the Service Authorization Reference for Amazon S3, so PutBucketPolicy takes it.
LAB_ACTIONS = [
    "s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:UpdateObjectEncryption",
    "s3:PutEncryptionConfiguration", "s3:GetEncryptionConfiguration", "s3:PutBucketPolicy",
    "s3:DeleteBucketPolicy", "s3:GetBucketPolicy", "s3:ListBucket", "s3:ListAllMyBuckets",
    "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts", "s3:ListBucketMultipartUploads",
    "s3:PutObjectTagging", "s3:GetBucketLocation", "s3:CreateBucket", "s3:DeleteBucket",
]  # fmt: skip


@pytest.mark.parametrize("action", LAB_ACTIONS)
def test_every_action_the_lab_decides_is_a_known_action(action: str) -> None:
    """Service Authorization Reference for Amazon S3: these are S3 actions, so a bucket
    policy naming one is accepted (an unknown one is "Policy has invalid action")."""
    parsed = parse_policy(doc(Action=action), bucket="b")
    assert parsed.statements[0].actions.matches(action, {})


def test_every_routed_action_is_in_the_catalog() -> None:
    """A route decided on an action a bucket policy could not name would be unteachable."""
    routed = {a for r in ROUTES for a in (r.action, *r.extra_actions)}
    assert {a.split(":", 1)[1].lower() for a in routed} <= S3_ACTIONS
