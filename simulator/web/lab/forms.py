"""The lab's forms. They check only shape; S3 itself judges the values (and says why)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .. import jsoninput
from . import s3calls
from .state import KeyChoice

MAX_POLICY_CHARS = 20 * 1024
MAX_CSE_META_BYTES = 4096


class LabForm(forms.Form):
    """No colon after labels: the lab's labels sit above their fields."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def key_field_choices(keys: list[KeyChoice]) -> list[tuple[str, str]]:
    return [(s3calls.AWS_MANAGED_KEY, str(_("aws/s3 (AWS managed)")))] + [
        (k.value, k.label) for k in keys
    ]


class SandboxNameForm(LabForm):
    name = forms.CharField(label=_("Name"), max_length=80, strip=True)


class BucketForm(LabForm):
    # Length and characters are S3's to judge (InvalidBucketName), so the field only
    # caps what a browser may send.
    name = forms.CharField(label=_("Bucket name"), max_length=255, strip=True)


class KMSKeyMixin:
    """A ChoiceField of the sandbox's KMS keys, filled in by the view."""

    def set_keys(self, keys: list[KeyChoice], current: str = "") -> None:
        """Offer the sandbox's keys, and the bucket's current key even if KMS lost it."""
        choices = key_field_choices(keys)
        if current and current not in {value for value, _label in choices}:
            choices.append((current, current))
        fields: dict[str, Any] = self.fields  # type: ignore[attr-defined]
        fields["kms_key"].choices = choices


class EncryptionForm(KMSKeyMixin, LabForm):
    algorithm = forms.ChoiceField(
        label=_("Default encryption"),
        choices=[
            ("SSE-S3", _("SSE-S3 (keys managed by S3)")),
            ("SSE-KMS", _("SSE-KMS (keys in AWS KMS)")),
            ("DSSE-KMS", _("DSSE-KMS (two layers, KMS)")),
        ],
        widget=forms.RadioSelect,
    )
    kms_key = forms.ChoiceField(label=_("KMS key"), required=False)
    bucket_key = forms.BooleanField(label=_("Use an S3 Bucket Key"), required=False)


class SSECForm(LabForm):
    ssec = forms.ChoiceField(
        label=_("SSE-C on this bucket"),
        choices=[("block", _("Blocked (new buckets since April 2026)")), ("allow", _("Allowed"))],
        widget=forms.RadioSelect,
    )


NUL_REFUSED = _("The lab cannot keep the NUL character (U+0000): remove it and try again.")


class PolicyForm(LabForm):
    policy = forms.CharField(
        label=_("Bucket policy (JSON)"),
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false", "autocomplete": "off"}),
        max_length=MAX_POLICY_CHARS,
        strip=False,
    )

    def clean_policy(self) -> str:
        text: str = self.cleaned_data["policy"]
        # S3 judges the policy; but whatever it answers is kept in the trace, and the
        # database cannot keep a NUL (spelled \u0000 in JSON). NOTE: S3 is not asked.
        if jsoninput.spells_nul(text):
            raise forms.ValidationError(NUL_REFUSED)
        return text


class ReencryptForm(KMSKeyMixin, LabForm):
    key = forms.CharField(label=_("Object key"), max_length=4096, strip=False)
    method = forms.ChoiceField(
        label=_("How"),
        choices=[
            ("copy", _("CopyObject in place (rewrites the data)")),
            ("update", _("UpdateObjectEncryption (re-wraps the key only)")),
        ],
        widget=forms.RadioSelect,
    )
    target = forms.ChoiceField(
        label=_("New encryption"),
        choices=[("SSE-KMS", "SSE-KMS"), ("SSE-S3", "SSE-S3"), ("DSSE-KMS", "DSSE-KMS")],
        required=False,
    )
    kms_key = forms.ChoiceField(label=_("KMS key"), required=False)
    bucket_key = forms.BooleanField(label=_("Use an S3 Bucket Key"), required=False)
    # Sent as x-amz-copy-source-server-side-encryption-customer-*; S3 judges it.
    source_customer_key = forms.CharField(
        label=_("The object's SSE-C key (base64 of 32 bytes)"),
        required=False,
        max_length=512,
        strip=True,
        help_text=_(
            "Only for an SSE-C object: the key it was uploaded with. S3 needs it to read the "
            "source of the copy."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # It shares the bucket page with EncryptionForm: ids of its own, or two fields
        # would be id_kms_key and the second label would point at the first select.
        kwargs.setdefault("auto_id", "id_reencrypt_%s")
        super().__init__(*args, **kwargs)


SENDER_CHOICES = [
    ("alice", _("alice (IAM user)")),
    ("bob", _("bob (IAM user)")),
    ("anonymous", _("anonymous (*)")),
]
TRANSPORT_CHOICES = [("https", _("HTTPS (TLS)")), ("http", _("plain HTTP"))]


class UploadForm(KMSKeyMixin, LabForm):
    file = forms.FileField(label=_("File"), allow_empty_file=True)
    key = forms.CharField(
        label=_("Object key"),
        required=False,
        max_length=4096,
        strip=False,
        help_text=_("Leave empty to use the file name."),
    )
    mode = forms.ChoiceField(
        label=_("Encryption"),
        choices=[
            (s3calls.MODE_DEFAULT, _("No header (the bucket default applies)")),
            (s3calls.MODE_SSE_S3, "SSE-S3"),
            (s3calls.MODE_SSE_KMS, "SSE-KMS"),
            (s3calls.MODE_DSSE_KMS, "DSSE-KMS"),
            (s3calls.MODE_SSE_C, _("SSE-C (your own key)")),
            (s3calls.MODE_CSE, _("CSE (encrypted in this browser)")),
        ],
        initial=s3calls.MODE_DEFAULT,
        widget=forms.RadioSelect,
    )
    kms_key = forms.ChoiceField(label=_("KMS key"), required=False)
    context = forms.CharField(
        label=_("Encryption context (optional)"),
        required=False,
        max_length=2048,
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}),
        help_text=_('A JSON object of strings, or one "name=value" per line.'),
    )
    bucket_key = forms.BooleanField(label=_("Use an S3 Bucket Key"), required=False)
    customer_key = forms.CharField(
        label=_("Your SSE-C key (base64 of 32 bytes)"),
        required=False,
        max_length=512,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    cse_wrap = forms.ChoiceField(
        label=_("Who wraps the data key"),
        choices=[("browser", _("A key kept in this browser")), ("kms", _("AWS KMS (key picker)"))],
        initial="browser",
        required=False,
        widget=forms.RadioSelect,
    )
    cse_version = forms.ChoiceField(
        label=_("Format"),
        choices=[("3", _("V3 (key commitment)")), ("2", "V2")],
        initial="3",
        required=False,
        widget=forms.RadioSelect,
    )
    cse_meta = forms.CharField(
        required=False, widget=forms.HiddenInput, max_length=MAX_CSE_META_BYTES
    )
    sender = forms.ChoiceField(label=_("Sent by"), choices=SENDER_CHOICES, initial="alice")
    transport = forms.ChoiceField(
        label=_("Connection"), choices=TRANSPORT_CHOICES, initial="https", widget=forms.RadioSelect
    )

    def clean_context(self) -> dict[str, str]:
        value = s3calls.parse_context(self.cleaned_data.get("context", ""))
        if value is None:
            raise forms.ValidationError(
                _(
                    'Write a JSON object of strings, such as {"project": "demo"}, or name=value lines.'
                )
            )
        return value

    def clean_cse_meta(self) -> dict[str, str]:
        text = self.cleaned_data.get("cse_meta", "")
        if not text:
            return {}
        try:
            # A flat object of strings: anything deeper is refused before it is parsed.
            value = jsoninput.loads(text, max_depth=1)
        except jsoninput.JSONInputError:
            raise forms.ValidationError(_("The client-side envelope is not valid JSON.")) from None
        if not isinstance(value, dict) or not value:
            raise forms.ValidationError(_("The client-side envelope must be a JSON object."))
        out: dict[str, str] = {}
        for name, item in value.items():
            if (
                not isinstance(name, str)
                or not isinstance(item, str)
                or not name.lower().startswith("x-amz-meta-")
                or len(name) > 128
                or any(c in name for c in " \r\n:")
                or any(c in item for c in "\r\n")
            ):
                raise forms.ValidationError(
                    _("The client-side envelope may only hold x-amz-meta- headers.")
                )
            out[name.lower()] = item
        return out

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("mode") == s3calls.MODE_CSE and not data.get("cse_meta"):
            self.add_error(
                "mode",
                _(
                    "Client-side encryption runs in your browser with JavaScript. With "
                    "JavaScript off, choose a server-side mode."
                ),
            )
        return data


class ReadForm(LabForm):
    """Who reads an object, how, and with which SSE-C key."""

    customer_key = forms.CharField(
        label=_("SSE-C key (base64)"),
        required=False,
        max_length=512,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    sender = forms.ChoiceField(
        label=_("Sent by"), choices=SENDER_CHOICES, initial="alice", required=False
    )
    # Radio buttons, as on the upload form: one control for one choice across the lab.
    transport = forms.ChoiceField(
        label=_("Connection"),
        choices=TRANSPORT_CHOICES,
        initial="https",
        required=False,
        widget=forms.RadioSelect,
    )
