"""Long CamelCase names (an error code, a statement's Sid) break between their words on a
narrow screen, never inside one (``piece|camel_parts`` and a ``<wbr>`` between the parts)."""

from __future__ import annotations

from django.template.loader import render_to_string

from simulator.web.templatetags.names import LONG, camel_parts


def test_a_long_error_code_breaks_before_each_of_its_words() -> None:
    assert camel_parts("400 InvalidEncryptionAlgorithmError: no") == [
        "400 Invalid", "Encryption", "Algorithm", "Error: no"
    ]  # fmt: skip
    assert camel_parts("DenyUnEncryptedObjectUploads は") == [
        "Deny", "Un", "Encrypted", "Object", "Uploads は"
    ]  # fmt: skip


def test_short_names_and_other_code_stay_whole() -> None:
    for name in ("s3:PutObject", "NoSuchKey", "StringNotEquals", "x-amz-server-side-encryption"):
        assert len(name) <= LONG or name.islower() or "-" in name
        assert camel_parts(name) == [name]


def test_the_quiz_and_lesson_text_puts_the_break_points_in_code_only() -> None:
    html = render_to_string(
        "web/quiz/_text.html",
        {
            "parts": [
                (True, "400 InvalidEncryptionAlgorithmError"),
                (False, " or DenyUnEncryptedObjectUploads, NotThis"),
            ]
        },
    )
    assert "<code>400 Invalid<wbr>Encryption<wbr>Algorithm<wbr>Error</code>" in html
    assert html.strip().endswith(" or Deny<wbr>Un<wbr>Encrypted<wbr>Object<wbr>Uploads, NotThis")
