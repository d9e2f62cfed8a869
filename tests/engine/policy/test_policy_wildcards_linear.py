"""Policy wildcards are matched in bounded time, and mean what IAM says they mean.

IAM user guide ("IAM JSON policy elements: Resource", "Condition operators"): ``*`` matches
any run of characters (none included) and ``?`` exactly one, in Resource/NotResource,
Action, ``StringLike``/``StringNotLike`` and ``ArnLike``; ``${*}``, ``${?}`` and ``${$}``
are a literal ``*``, ``?`` and ``$``. Issue 8, "Bounded work for every input": a bucket
policy full of ``*`` once froze the whole server, because the globs became backtracking
regular expressions. Every evaluation here must finish in a small, fixed time, whatever the
pattern and the key (keys up to S3's 1,024 bytes).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.engine import Engine, MemoryStore, S3Request
from simulator.engine.policy import RequestContext, evaluate, parse_policy
from simulator.engine.policy.wildcards import compile_glob, glob

# Generous: a linear match of a 1,024-character key takes well under a millisecond; the
# backtracking expressions this replaces took minutes on the worst case below.
BOUND = 0.05
WORST_PATTERN = "*a" * 30
WORST_KEY = "a" * 200 + "b"

STAR, ANY = object(), object()


def reference(pieces: Sequence[tuple[bool, str]], value: str) -> bool:
    """Whether ``value`` matches the glob, by dynamic programming over (pattern, value).

    ``reach[j]`` says whether the pattern read so far can match ``value[:j]``; no
    regular expressions, no ``fnmatch``.
    """
    tokens: list[object] = []
    for wild, text in pieces:
        for char in text:
            if wild and char == "*":
                tokens.append(STAR)
            elif wild and char == "?":
                tokens.append(ANY)
            else:
                tokens.append(char)
    n = len(value)
    reach = [True] + [False] * n
    for token in tokens:
        if token is STAR:
            seen = False
            for j in range(n + 1):
                seen = seen or reach[j]
                reach[j] = seen
        else:
            nxt = [False] * (n + 1)
            for j in range(1, n + 1):
                nxt[j] = reach[j - 1] and (token is ANY or token == value[j - 1])
            reach = nxt
    return reach[n]


def timed_match(pieces: Sequence[tuple[bool, str]], value: str) -> tuple[bool, float]:
    start = time.perf_counter()
    hit = compile_glob(pieces).matches(value)
    return hit, time.perf_counter() - start


# Small alphabets make near-misses common, which is where backtracking hurts.
pattern_text = st.lists(
    st.sampled_from(["*", "?", "a", "b", "*a", "a*", "?*", "**", "ab", "ba", "*?a", "x"]),
    max_size=60,
).map("".join)
literal_text = st.text(alphabet="ab*?", max_size=4)
pieces_strategy = st.lists(
    st.one_of(pattern_text.map(lambda t: (True, t)), literal_text.map(lambda t: (False, t))),
    min_size=1,
    max_size=6,
)
value_strategy = st.one_of(
    st.text(alphabet="ab", max_size=1024),
    st.integers(0, 1024).map(lambda n: "a" * n),
    st.integers(0, 1023).map(lambda n: "a" * n + "b"),
    st.text(alphabet="ab*?x", max_size=64),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pieces=pieces_strategy, value=value_strategy)
def test_glob_agrees_with_the_reference_matcher_in_bounded_time(
    pieces: list[tuple[bool, str]], value: str
) -> None:
    hit, elapsed = timed_match(pieces, value)
    assert hit == reference(pieces, value)
    assert elapsed < BOUND, f"{elapsed * 1000:.1f} ms for {pieces!r} against {len(value)} chars"


@settings(max_examples=200, deadline=None)
@given(pattern=pattern_text, value=st.text(alphabet="ab", max_size=1024))
def test_a_glob_matches_a_value_built_from_it(pattern: str, value: str) -> None:
    """Fill each ``*`` with part of ``value`` and each ``?`` with one character: a match."""
    filled = pattern.replace("?", "b").replace("*", value[:7], 1).replace("*", "")
    assert glob(pattern).matches(filled)
    assert reference([(True, pattern)], filled)


def test_the_worst_case_that_froze_the_server_is_answered_at_once() -> None:
    hit, elapsed = timed_match([(True, WORST_PATTERN)], WORST_KEY)
    assert hit is False
    assert elapsed < BOUND
    hit, elapsed = timed_match([(True, WORST_PATTERN + "b")], WORST_KEY)
    assert hit is True
    assert elapsed < BOUND


def test_escaped_wildcards_stay_literal() -> None:
    """``${*}`` and ``${?}`` in a 2012-10-17 policy are a literal star and question mark."""
    doc = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::b/star${*}q${?}/*",
            },
        },
        bucket="b",
    )

    def decide(key: str) -> str:
        return evaluate(
            doc, RequestContext("s3:GetObject", f"arn:aws:s3:::b/{key}", "*", {})
        ).decision

    assert decide("star*q?/x") == "Allow"
    assert decide("starXqY/x") == "ImplicitDeny"


def _hostile_policy(pattern: str) -> dict[str, Any]:
    resource = f"arn:aws:s3:::b/{pattern}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Resource",
                "Effect": "Deny",
                "Principal": "*",
                "Action": ["s3:Put*", "s3:*Object", "s3:?ut*"],
                "Resource": resource,
            },
            {
                "Sid": "NotResource",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:PutObject",
                "NotResource": [resource, "arn:aws:s3:::b/*"],
            },
            {
                "Sid": "Conditions",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:PutObject",
                "Resource": "arn:aws:s3:::b/*",
                "Condition": {
                    "StringLike": {"s3:prefix": [pattern]},
                    "ForAnyValue:StringNotLikeIfExists": {"aws:TagKeys": [pattern]},
                    "ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::*:user/{pattern}"},
                },
            },
            {
                "Sid": "Variables",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::b/${{aws:username}}/{pattern}",
            },
        ],
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pattern=pattern_text.filter(bool), key=st.text(alphabet="ab", max_size=1024))
def test_evaluating_a_hostile_policy_stays_within_the_bound(pattern: str, key: str) -> None:
    doc = parse_policy(_hostile_policy(pattern), bucket="b")
    ctx = RequestContext(
        "s3:PutObject",
        f"arn:aws:s3:::b/{key}",
        f"arn:aws:iam::111122223333:user/{key[:64] or 'a'}",
        {"s3:prefix": key, "aws:TagKeys": (key, key[::-1]), "aws:username": key[:64]},
    )
    start = time.perf_counter()
    result = evaluate(doc, ctx)
    result.to_dict()  # the explanation re-matches each entry to name it
    assert time.perf_counter() - start < BOUND * 4  # four statements, each under BOUND


def test_an_upload_against_the_worst_bucket_policy_is_answered_at_once() -> None:
    """The issue's reproduction: a policy of ``*a`` pieces and one upload of a long key."""
    engine = Engine(store=MemoryStore(), seed=8)
    assert engine.s3(S3Request(method="PUT", bucket="b")).status == 200
    policy = json.dumps(_hostile_policy(WORST_PATTERN)["Statement"][0:1])
    body = ('{"Version": "2012-10-17", "Statement": ' + policy + "}").encode()
    assert engine.s3(S3Request(method="PUT", bucket="b", query={"policy": ""}, body=body)).status
    start = time.perf_counter()
    response = engine.s3(S3Request(method="PUT", bucket="b", key=WORST_KEY, body=b"x"))
    assert time.perf_counter() - start < 1.0  # the whole request, encryption included
    assert response.status == 200  # the key ends in "b": the Deny does not name it
    denied = engine.s3(S3Request(method="PUT", bucket="b", key=WORST_KEY[:-1], body=b"x"))
    assert denied.status == 403
