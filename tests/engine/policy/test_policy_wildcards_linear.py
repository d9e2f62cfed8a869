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

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.engine import Engine, MemoryStore, S3Request
from simulator.engine.policy import RequestContext, evaluate, parse_policy
from simulator.engine.policy.wildcards import compile_glob, glob

# Generous: a linear match of a 1,024-character key takes well under a millisecond; the
# backtracking expressions this replaces took minutes on the worst case below. Measured
# in this process's CPU time, so a busy machine's waiting does not count.
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
    start = time.process_time()
    hit = compile_glob(pieces).matches(value)
    return hit, time.process_time() - start


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


GLOB_ROWS = [
    # pattern, value, matches?, why
    ("", "", True, "an empty pattern matches only the empty value"),
    ("", "a", False, "an empty pattern against a character"),
    ("*", "", True, "* matches the empty run"),
    ("?", "", False, "? needs exactly one character"),
    ("?", "é", True, "? is one character, not one byte"),
    ("a?c", "abc", True, "? inside literal text"),
    ("a?c", "ac", False, "? is not optional"),
    ("a?c", "abbc", False, "? is one character, not a run"),
    ("a*", "a", True, "a trailing * may match nothing"),
    ("*a", "ba", True, "a leading * then the tail at the end"),
    ("*a", "ab", False, "the tail must sit at the very end"),
    ("a**b", "ab", True, "two stars are one"),
    ("ab*ba", "aba", False, "head and tail may not overlap"),
    ("ab*ba", "abba", True, "head and tail side by side"),
    ("*?", "", False, "*? needs at least one character"),
    ("?*", "x", True, "?* matches one character or more"),
    ("*??*", "a", False, "two ? need two characters"),
    ("*??*", "ab", True, "two ? in the middle"),
    ("a*?*b", "ab", False, "a middle ? needs a character between"),
    ("a*?*b", "acb", True, "a middle ? alone"),
    ("*a?c*", "xxabcxx", True, "a middle piece with a ?"),
    ("*a?c*", "xxacxx", False, "the ? needs its character"),
    ("*ab?d*", "abxabcd", True, "the first ab fails at ?d; the search goes on to the next"),
    ("*ab?d*", "abxab", False, "no ab is followed by two more characters ending in d"),
    ("*?bc*", "bc", False, "a piece that starts with ? needs a character before its run"),
    ("*?bc*", "abc", True, "one character before the run"),
    ("*?bc*", "bcbc", True, "the first bc has nothing before it; the second has"),
    ("*x?y?z*", "x1y2z", True, "a middle piece of three runs"),
    ("*x?y?z*", "x1y2", False, "its last run missing"),
    ("*x?y?z*", "x1yy2z", False, "runs at the wrong distance"),
    ("*ab*cd", "abcd", True, "middle piece then tail, back to back"),
    ("*ab*cd", "acbd", False, "the pieces must come in order"),
    ("*abc?*", "zabc", False, "the ? after the run must fit before the end"),
    ("*abc?*", "zabcq", True, "room for the ?"),
    ("a*b*c", "abc", True, "every piece placed once"),
    ("a*b*c", "acb", False, "the middle b must come before the tail c"),
    ("a*bb*c", "abc", False, "the middle piece does not fit between head and tail"),
    ("*a*a*", "a", False, "two middle a need two characters"),
    ("*a*a*", "aa", True, "two middle pieces side by side"),
    ("?a*", "ba", True, "a head that starts with ?"),
    ("?a*", "ab", False, "the head's run is at the wrong place"),
    ("*a?", "xab", True, "a tail that ends with ?"),
    ("*a?", "xba", False, "the tail's run is at the wrong place"),
    ("A*", "abc", False, "globs are case-sensitive"),
    ("ab*b*c", "abc", False, "a middle piece may not reuse the head's characters"),
    ("a*cb*b", "axcb", False, "a middle piece may not reuse the tail's characters"),
    ("a*c?*b", "axcb", False, "a middle piece with ? may not reach into the tail"),
    ("ab*b?*", "abxy", False, "a middle piece with ? may not reuse the head's characters"),
    ("*a?c*", "abc", True, "a middle piece with ? at the very start"),
    ("*ab?d*d", "abxabxd", False, "a retried run may not reach into the tail"),
    ("*b?*c", "bc", False, "a middle piece longer than the room left"),
    ("*?*", "", False, "a middle ? alone, and no room"),
    ("ab*b*c", "abxc", False, "a middle piece is looked for after the head only"),
    ("*aa?c*", "aaaxc", True, "a retried run may overlap the one before"),
    ("*ab?d*", "abxabxdabyy", True, "the first run that fits wins, not the last"),
]


@pytest.mark.parametrize(("pattern", "value", "matches", "why"), GLOB_ROWS)
def test_each_glob_matches_as_iam_says(pattern: str, value: str, matches: bool, why: str) -> None:
    assert reference(((True, pattern),), value) is matches, f"row disagrees with IAM: {why}"
    assert glob(pattern).matches(value) is matches, why


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
    start = time.process_time()
    result = evaluate(doc, ctx)
    result.to_dict()  # the explanation re-matches each entry to name it
    assert time.process_time() - start < BOUND * 4  # four statements, each under BOUND


def test_an_upload_against_the_worst_bucket_policy_is_answered_at_once() -> None:
    """The issue's reproduction: a policy of ``*a`` pieces and one upload of a long key."""
    engine = Engine(store=MemoryStore(), seed=8)
    assert engine.s3(S3Request(method="PUT", bucket="b")).status == 200
    policy = json.dumps(_hostile_policy(WORST_PATTERN)["Statement"][0:1])
    body = ('{"Version": "2012-10-17", "Statement": ' + policy + "}").encode()
    assert engine.s3(S3Request(method="PUT", bucket="b", query={"policy": ""}, body=body)).status
    start = time.process_time()
    response = engine.s3(S3Request(method="PUT", bucket="b", key=WORST_KEY, body=b"x"))
    assert time.process_time() - start < 1.0  # the whole request, encryption included
    assert response.status == 200  # the key ends in "b": the Deny does not name it
    denied = engine.s3(S3Request(method="PUT", bucket="b", key=WORST_KEY[:-1], body=b"x"))
    assert denied.status == 403
