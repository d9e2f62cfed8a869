"""A scenario error in the learner's language: the field it names, and what is wrong.

``ScenarioError.reason`` is a stable code (``simulator.scenarios.loader``); each has its
sentence here, with the error's ``params``. The field is a JSON path and stays as it is.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from simulator.scenarios import ScenarioError


def _sentences() -> dict[str, str]:
    return {
        "too_large": _("The file is larger than %(limit)s bytes."),
        "json": _("This is not a JSON document the lab can read: %(detail)s"),
        "type": _("This field has the wrong type: it must be %(expected)s."),
        "required": _("This field is required, and must not be empty."),
        "unknown_field": _("This field is not part of the scenario format."),
        "format": _("The format must be “s3-encryption-lab/scenario”."),
        "version": _("This lab reads version 1 of the scenario format."),
        "length": _("This text is too long (at most %(limit)s)."),
        "seed": _("A seed is 1 to 64 printable ASCII characters, without spaces."),
        "choice": _("This value must be one of: %(allowed)s."),
        "range": _("This number must be from %(minimum)s to %(maximum)s."),
        "too_many": _("This list holds more than %(limit)s items."),
        "ref": _("A key's ref uses letters, digits, _ and - only (1 to 64)."),
        "duplicate": _("This name is already used earlier in the file."),
        "alias": _("An alias is alias/<name>, and alias/aws/ names are AWS's own."),
        "unknown_key": _(
            "“%(name)s” is neither the ref nor an alias of a key in kms_keys (nor alias/aws/s3)."
        ),
        "bucket_name": _(
            "S3 does not allow this bucket name: 3 to 63 lower-case letters, digits, hyphens "
            "and dots, starting and ending with a letter or digit."
        ),
        "unknown_bucket": _("This bucket is not one of the scenario's buckets."),
        "control": _("An object key here may not hold control characters."),
        "metadata": _(
            "A metadata name is lower-case letters, digits and hyphens, without x-amz-meta-."
        ),
        "header": _("This is not an HTTP header name."),
        "one_of": _("Give exactly one of the choices this field allows."),
        "conflict": _("This field does not go with the rest of this item."),
        "base64": _("This is not base64."),
        "key_length": _("A key here is 32 bytes (256 bits), written in base64."),
        "size": _("This content is larger than %(limit)s bytes."),
        "total_size": _("The scenario's content would be larger than %(limit)s bytes in all."),
        "replay": _("Building this step failed: %(operation)s answered %(status)s %(code)s."),
    }


def error_message(error: ScenarioError | None) -> str:
    """The error's sentence in the current language (its English message if unknown)."""
    if error is None:
        return _("Choose a scenario file or paste its JSON.")
    sentence = _sentences().get(error.reason)
    if sentence is None:
        return error.message
    params = {"detail": "", "expected": "", "limit": "", "allowed": "", "name": ""}
    params.update({k: str(v) for k, v in error.params.items()})
    params.setdefault("minimum", "")
    params.setdefault("maximum", "")
    params.setdefault("operation", "")
    params.setdefault("status", "")
    params.setdefault("code", "")
    try:
        return sentence % params
    except (KeyError, ValueError, TypeError):
        return error.message


def too_many_sandboxes(limit: int) -> str:
    return _(
        "You already keep %(count)s sandboxes, the most one learner may. Delete one on the "
        "sandboxes page, then try again."
    ) % {"count": limit}
