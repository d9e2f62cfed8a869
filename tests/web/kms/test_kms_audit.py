"""The audit log: CloudTrail-shaped events, newest first, filterable (s3-facts §5 CloudTrail)."""

from __future__ import annotations

import re
from typing import Any

BOB = "arn:aws:iam::111122223333:user/bob"
HTMX = {"HX-Request": "true"}


def names_in(html: str) -> list[str]:
    return re.findall(r'data-event="([^"]+)"', html)


def audit(lab: Any, htmx: bool = False, **filters: str) -> str:
    response = lab.client.get(lab.url("audit"), filters, headers=HTMX if htmx else None)
    assert response.status_code == 200
    return str(response.content.decode())


def kms_upload(lab: Any, key_id: str | None = None, principal: str | None = None) -> None:
    headers = {"x-amz-server-side-encryption": "aws:kms"}
    if key_id:
        headers["x-amz-server-side-encryption-aws-kms-key-id"] = key_id
    extra = {"principal": principal} if principal else {}
    outcome = lab.s3("PUT", "audit-bucket", "doc.txt", body=b"hello", headers=headers, **extra)
    assert outcome.response.status == 200


def record_data_events(lab: Any) -> None:
    """Switch the trail's S3 data events on, with the page's own button: CloudTrail records
    PutObject and GetObject only on a trail with data events on (off by default)."""
    response = lab.client.post(lab.url("audit_trail"), {"data_events": "on"})
    assert response.status_code == 302


def test_full_page_and_table_partial(lab: Any) -> None:
    lab.new_key()

    full = audit(lab)
    partial = audit(lab, htmx=True)

    assert "<html" in full and 'id="audit-table"' in full and "<form" in full
    assert "<html" not in partial and partial.lstrip().startswith('<div id="audit-table"')
    assert names_in(partial) == ["CreateKey"]


def test_events_are_newest_first(lab: Any) -> None:
    key_id = lab.new_key()
    lab.kms("DisableKey", {"KeyId": key_id})
    lab.kms("EnableKey", {"KeyId": key_id})

    assert names_in(audit(lab)) == ["EnableKey", "DisableKey", "CreateKey"]


def test_s3_calls_on_the_callers_behalf_show_invoked_by_and_sse_applied(lab: Any) -> None:
    record_data_events(lab)
    lab.s3("PUT", "audit-bucket")
    kms_upload(lab)

    html = audit(lab)

    # S3 asked KMS for a data key as alice, invoked by S3; PutObject says which SSE applied.
    assert names_in(html)[:2] == ["PutObject", "GenerateDataKey"]
    assert "via s3.amazonaws.com" in html
    assert "SSEApplied: SSE_KMS" in html
    assert "&quot;invokedBy&quot;: &quot;s3.amazonaws.com&quot;" in html
    assert "<details" in html and "Event JSON" in html


def test_default_encryption_shows_as_default_sse_applied(lab: Any) -> None:
    record_data_events(lab)
    lab.s3("PUT", "audit-bucket")
    lab.s3("PUT", "audit-bucket", "plain.txt", body=b"x")

    assert "SSEApplied: Default_SSE_S3" in audit(lab)


def test_filter_by_key_id_or_arn(lab: Any) -> None:
    first, second = lab.new_key("one"), lab.new_key("two")
    lab.kms("DisableKey", {"KeyId": second})
    lab.s3("PUT", "audit-bucket")
    kms_upload(lab, first)
    arn = lab.kms("DescribeKey", {"KeyId": first})["KeyMetadata"]["Arn"]

    by_id = names_in(audit(lab, key=first))
    by_arn = names_in(audit(lab, htmx=True, key=arn))

    assert by_id == by_arn
    assert "GenerateDataKey" in by_id and "CreateKey" in by_id
    assert "DisableKey" not in by_id  # that was the other key


def test_filter_by_event_name_and_principal(lab: Any) -> None:
    record_data_events(lab)
    lab.s3("PUT", "audit-bucket")
    kms_upload(lab)
    kms_upload(lab, principal=BOB)

    only_gdk = names_in(audit(lab, event="GenerateDataKey"))
    bobs = names_in(audit(lab, principal=BOB))

    assert only_gdk == ["GenerateDataKey", "GenerateDataKey"]
    assert bobs == ["PutObject", "GenerateDataKey"]


def test_failed_calls_show_their_error_code(lab: Any) -> None:
    key_id = lab.new_key()
    lab.s3("PUT", "audit-bucket")
    kms_upload(lab, key_id)
    lab.kms("DisableKey", {"KeyId": key_id})

    outcome = lab.s3("GET", "audit-bucket", "doc.txt")
    assert outcome.response.error_code == "KMS.DisabledException"

    # S3's Decrypt on the reader's behalf failed, and the event says why.
    assert "Error: DisabledException" in audit(lab, event="Decrypt")


def test_nasty_filter_values_are_escaped_and_match_nothing(lab: Any) -> None:
    lab.new_key()

    html = audit(lab, key="<script>alert(1)</script>", event="'\"><img>", principal="../../")

    assert "<script>alert" not in html and "<img>" not in html
    assert names_in(html) == []
    assert "No event matches these filters." in html


def test_empty_sandbox_says_nothing_happened(lab: Any) -> None:
    assert "Nothing has happened in this sandbox yet." in audit(lab)


def test_the_log_is_kept_until_the_sandbox_changes(lab: Any, monkeypatch: Any) -> None:
    """A second look reads no event again; the next KMS call shows at once."""
    from simulator.web.kms import console

    key_id = lab.new_key()
    reads: list[int] = []
    built = console._audit_view

    def counted(*args: Any) -> Any:
        reads.append(1)
        return built(*args)

    monkeypatch.setattr(console, "_audit_view", counted)
    first, again = audit(lab), audit(lab)
    assert names_in(first) == names_in(again) == ["CreateKey"] and len(reads) == 1

    lab.kms("DisableKey", {"KeyId": key_id})
    assert names_in(audit(lab)) == ["DisableKey", "CreateKey"] and len(reads) == 2
    assert names_in(audit(lab, event="CreateKey")) == ["CreateKey"] and len(reads) == 3
    lab.kms("EnableKey", {"KeyId": key_id})
    assert names_in(audit(lab))[0] == "EnableKey" and len(reads) == 4


# --- the trail and its data events, denied calls, console reads -------------------------
# CloudTrail ("Logging data events"): S3 object calls are data events, recorded only by a
# trail that has them on (off by default, billed); management events and KMS calls
# (s3-facts §5 [KMS-CT]) are recorded regardless; refused calls carry errorCode and
# errorMessage; console calls carry sessionCredentialFromConsole.


def test_data_events_are_off_by_default_and_the_page_says_so(lab: Any) -> None:
    lab.s3("PUT", "audit-bucket")
    kms_upload(lab)
    assert lab.s3("GET", "audit-bucket", "doc.txt").response.status == 200

    html = audit(lab)
    assert "Off: S3 object calls are not recorded." in html
    assert "billed" in html and "Turn data events on" in html
    shown = names_in(html)
    assert "PutObject" not in shown and "GetObject" not in shown
    # The management event and S3's KMS calls are there all the same.
    assert {"CreateBucket", "GenerateDataKey", "Decrypt"} <= set(shown)


def test_with_data_events_on_get_object_is_recorded(lab: Any) -> None:
    lab.s3("PUT", "audit-bucket")
    record_data_events(lab)
    kms_upload(lab)
    lab.s3("GET", "audit-bucket", "doc.txt")

    html = audit(lab)
    assert "On: S3 object calls are recorded" in html and "Turn data events off" in html
    shown = names_in(html)
    assert shown[:4] == ["GetObject", "Decrypt", "PutObject", "GenerateDataKey"]
    assert "PutEventSelectors" in shown and "data event" in html


def test_a_denied_call_is_recorded_with_its_error(lab: Any) -> None:
    lab.s3("PUT", "audit-bucket")
    lab.s3("PUT", "audit-bucket", "doc.txt", body=b"x")
    record_data_events(lab)
    # Anonymous: no policy allows it, so S3 refuses (an implicit deny).
    denied = lab.s3("GET", "audit-bucket", "doc.txt", principal="*")
    assert denied.response.error_code == "AccessDenied"

    html = audit(lab, event="GetObject")
    assert names_in(html) == ["GetObject"]
    assert "Error: AccessDenied" in html
    assert denied.response.error_message in html.replace("&quot;", '"')


def test_switching_data_events_off_stops_recording_them(lab: Any) -> None:
    lab.s3("PUT", "audit-bucket")
    record_data_events(lab)
    lab.client.post(lab.url("audit_trail"), {"data_events": "off"})
    lab.s3("PUT", "audit-bucket", "late.txt", body=b"x")
    html = audit(lab)
    assert "Off: S3 object calls are not recorded." in html
    assert "PutObject" not in names_in(html)
    assert names_in(html).count("PutEventSelectors") == 2


def test_console_reads_are_hidden_until_asked_for(lab: Any) -> None:
    from simulator.web.lab import state

    lab.kms("CreateAlias", {"AliasName": "alias/named", "TargetKeyId": lab.new_key()})
    assert state.key_arn(lab.sandbox, "alias/named").startswith("arn:aws:kms:")

    hidden = audit(lab)
    assert "DescribeKey" not in names_in(hidden)
    assert "Show console reads (1)" in hidden
    shown = audit(lab, console="1")
    assert names_in(shown)[0] == "DescribeKey" and "console read" in shown
    assert "&quot;sessionCredentialFromConsole&quot;: &quot;true&quot;" in shown
