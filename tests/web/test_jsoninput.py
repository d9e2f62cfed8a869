"""JSON from the browser is read strictly, within bounds, and only if it can be stored."""

from __future__ import annotations

import time

import pytest

from simulator.web.jsoninput import MAX_DEPTH, JSONInputError, loads, spells_nul


def test_ordinary_json_reads_as_json_does() -> None:
    assert loads(b'{"KeyId": "alias/a", "Version": 3, "EncryptionContext": {"k": "v"}}') == {
        "KeyId": "alias/a",
        "Version": 3,
        "EncryptionContext": {"k": "v"},
    }
    assert loads('["\\u65e5\\u672c", 1.5, null, true]') == ["日本", 1.5, None, True]
    # Brackets inside strings are text, not nesting.
    assert loads('{"a": "' + "[" * 100 + '"}', max_depth=1) == {"a": "[" * 100}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[" * 10_000 + "]" * 10_000, JSONInputError.DEPTH),
        ('{"a": ' + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "}", JSONInputError.DEPTH),
        ('{"Version": NaN}', JSONInputError.NUMBER),
        ("[Infinity]", JSONInputError.NUMBER),
        ("[-Infinity]", JSONInputError.NUMBER),
        ("[1e999]", JSONInputError.NUMBER),
        ('{"KeyId": "\\ud800"}', JSONInputError.SURROGATE),
        ('{"\\udfff": "x"}', JSONInputError.SURROGATE),
        ('{"a": "b\\u0000"}', JSONInputError.NUL),
        ("[" + "9" * 5000 + "]", JSONInputError.SYNTAX),  # longer than Python reads
        ("{'single': 'quotes'}", JSONInputError.SYNTAX),
        ('"unterminated', JSONInputError.SYNTAX),
    ],
)
def test_what_no_aws_parser_accepts_or_the_lab_cannot_keep_is_refused(
    text: str, reason: str
) -> None:
    with pytest.raises(JSONInputError) as refused:
        loads(text)
    assert refused.value.reason == reason


def test_bytes_that_are_not_utf8_are_not_json() -> None:
    with pytest.raises(JSONInputError) as refused:
        loads(b'{"a": "\xed\xa0\x80"}')  # a lone surrogate as its WTF-8 bytes
    assert refused.value.reason == JSONInputError.SYNTAX


def test_the_depth_scan_stays_linear_on_unterminated_strings() -> None:
    start = time.perf_counter()
    with pytest.raises(JSONInputError):
        loads('"\\"' * 20_000)
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize(
    ("text", "nul"),
    [
        ('{"a": "\\u0000"}', True),
        ('{"a": "\\\\\\u0000"}', True),  # an escaped backslash, then the NUL escape
        ('{"a": "\\\\u0000"}', False),  # an escaped backslash, then the text u0000
        ('{"a": "a\x00"}', True),
        ('{"a": "\\u00000"}', True),
        ('{"a": "u0000"}', False),
    ],
)
def test_a_nul_spelled_in_json_text_is_found(text: str, nul: bool) -> None:
    assert spells_nul(text) is nul
