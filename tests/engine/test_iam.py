"""IAM in the sandbox account: the default users, their identity policies, the parse cache.

Facts: the sandbox account has the users alice and bob, each with a simple identity policy
allowing S3 and KMS (issue 3); identity policies take no Principal and IAM refuses a
malformed one with MalformedPolicyDocument; a user with no Allow is implicitly denied
([IAM-EV]).
"""

from __future__ import annotations

import json

import pytest

from simulator.engine import Engine, MemoryStore
from simulator.engine.iam import DEFAULT_USER_POLICY, IAMError, PolicyCache
from simulator.engine.policy import PolicyError

ONLY_GETS = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    }
)


@pytest.fixture
def engine() -> Engine:
    return Engine(store=MemoryStore(), seed=5)


def iam_error(call: object) -> IAMError:
    with pytest.raises(IAMError) as info:
        call()  # type: ignore[operator]
    return info.value


def test_alice_and_bob_exist_from_the_start_with_the_simple_policy(engine: Engine) -> None:
    """issue 3: alice and bob, each allowed s3:* and kms:* on every resource."""
    names = [user["UserName"] for user in engine.iam.list_users()]
    assert names == ["alice", "bob"]
    assert engine.iam.get_user_policy("bob") == DEFAULT_USER_POLICY
    document = json.loads(DEFAULT_USER_POLICY)
    assert document["Statement"][0]["Action"] == ["s3:*", "kms:*"]
    # Nobody touched them yet, so nothing is stored.
    assert list(engine.store.scan("iam_user")) == []


def test_a_new_user_is_stored_and_a_duplicate_name_is_refused(engine: Engine) -> None:
    """IAM CreateUser: EntityAlreadyExists for a name in use."""
    record = engine.iam.create_user("carol")
    assert record["Arn"] == "arn:aws:iam::111122223333:user/carol"
    assert engine.store.get("iam_user", "carol") is not None
    assert iam_error(lambda: engine.iam.create_user("carol")).code == "EntityAlreadyExists"
    assert iam_error(lambda: engine.iam.create_user("alice")).code == "EntityAlreadyExists"
    assert iam_error(lambda: engine.iam.create_user("no spaces")).code == "ValidationError"


def test_a_user_created_without_a_policy_has_no_permissions(engine: Engine) -> None:
    """[IAM-EV]: implicit deny by default."""
    engine.iam.create_user("dave", policy=None)
    assert engine.iam.identity_policies("dave") == []
    with pytest.raises(IAMError):
        engine.iam.get_user_policy("dave")


def test_edited_policies_are_stored_byte_for_byte(engine: Engine) -> None:
    """IAM PutUserPolicy / GetUserPolicy: the document comes back as it was put."""
    engine.iam.put_user_policy("bob", ONLY_GETS)
    assert engine.iam.get_user_policy("bob") == ONLY_GETS
    assert engine.store.get("iam_user", "bob") is not None
    engine.iam.delete_user_policy("bob")
    assert iam_error(lambda: engine.iam.get_user_policy("bob")).code == "NoSuchEntity"
    assert iam_error(lambda: engine.iam.delete_user_policy("bob")).code == "NoSuchEntity"


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("not json", "not JSON at all"),
        (json.dumps({"Version": "2012-10-17", "Statement": []}), "an empty Statement list"),
        (
            json.dumps(
                {"Statement": {"Effect": "Allow", "Principal": "*", "Action": "s3:*",
                               "Resource": "*"}}
            ),
            "an identity policy names no Principal",
        ),
        (
            json.dumps({"Statement": {"Effect": "Maybe", "Action": "s3:*", "Resource": "*"}}),
            "an unknown Effect",
        ),
    ],
)  # fmt: skip
def test_a_malformed_identity_policy_is_refused_and_changes_nothing(
    engine: Engine, text: str, why: str
) -> None:
    """IAM answers MalformedPolicyDocument; the old policy stays."""
    error = iam_error(lambda: engine.iam.put_user_policy("alice", text))
    assert (error.code, error.status) == ("MalformedPolicyDocument", 400), why
    assert error.message
    assert engine.iam.get_user_policy("alice") == DEFAULT_USER_POLICY


def test_policies_of_unknown_users_are_no_such_entity(engine: Engine) -> None:
    """IAM: NoSuchEntity, 404."""
    error = iam_error(lambda: engine.iam.put_user_policy("nobody", ONLY_GETS))
    assert (error.code, error.status) == ("NoSuchEntity", 404)
    assert engine.iam.identity_policies("nobody") is None


def test_the_policy_cache_parses_each_text_once_and_forgets_the_oldest() -> None:
    """issue 3 "Speed": parsed once; a small LRU bounds the memory."""
    cache = PolicyCache(size=2)
    texts = [
        json.dumps({"Statement": {"Sid": f"S{i}", "Effect": "Allow", "Action": "s3:*",
                                  "Resource": "*"}})
        for i in range(3)
    ]  # fmt: skip
    first = cache.parse(texts[0], kind="identity")
    assert cache.parse(texts[0], kind="identity") is first
    assert (cache.hits, cache.misses) == (1, 1)
    cache.parse(texts[1], kind="identity")
    cache.parse(texts[2], kind="identity")
    assert len(cache) == 2
    assert cache.parse(texts[0], kind="identity") is not first  # evicted, parsed again
    assert cache.misses == 4


def test_the_same_text_parsed_as_another_kind_is_a_separate_entry() -> None:
    """A bucket policy is checked against its own bucket, so the bucket is part of the key."""
    cache = PolicyCache()
    text = json.dumps(
        {"Statement": {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                       "Resource": "arn:aws:s3:::b/*"}}
    )  # fmt: skip
    assert cache.parse(text, kind="resource", bucket="b").kind == "resource"
    assert cache.parse(text, kind="resource") is not cache.parse(text, kind="resource", bucket="b")
    with pytest.raises(PolicyError):
        cache.parse(text, kind="resource", bucket="c")  # a resource outside bucket c
    assert (cache.misses, len(cache)) == (3, 2)  # refused texts are not kept
