"""The policy decision matrix beside the bucket policy editor (issue 11).

Every cell is the engine's decision for the draft in the editor, before it is saved
(s3-facts §4: policies see the request's headers only, default encryption does not
count; missing keys make StringNotEquals true; SSE-C carries no SSE header).
"""

from __future__ import annotations

import re
from typing import Any

from django.test import Client
from lab_builders import HX, make_bucket, new_kms_key, url

from simulator.engine import S3Request
from simulator.engine import vocabulary as v
from simulator.engine.trace import PolicyEvaluated
from simulator.quiz import policies
from simulator.web.lab import matrix
from simulator.web.lab.running import run
from simulator.web.lab.state import look
from simulator.web.models import Record, Sandbox, TraceRecord

BUCKET = "matrix-bucket"
ROW = re.compile(r'<tr data-row="([a-z0-9-]+)">(.*?)</tr>', re.S)
CELL = re.compile(r'data-decision="(\w+)"')


def _grid(html: str) -> dict[str, list[str]]:
    """Row code -> the six decisions (HTTPS alice, bob, anonymous, then HTTP)."""
    return {code: CELL.findall(body) for code, body in ROW.findall(html)}


def _matrix(client: Client, box: Sandbox, draft: str, **headers: Any) -> Any:
    return client.post(url("policy_matrix", box, BUCKET), {"policy": draft}, **headers)


def test_the_bucket_page_asks_for_the_matrix_as_the_learner_types(
    learner: tuple[Client, Sandbox],
) -> None:
    client, box = learner
    make_bucket(box, BUCKET)
    html = client.get(url("bucket", box, BUCKET)).content.decode()
    textarea = re.search(r"<textarea[^>]*>", html)
    assert textarea is not None
    tag = textarea.group(0)
    assert f'hx-post="{url("policy_matrix", box, BUCKET)}"' in tag
    assert 'hx-trigger="input changed delay:400ms, load"' in tag
    assert 'hx-target="#policy-matrix"' in tag
    assert 'id="policy-matrix"' in html and "Check this draft" in html


def test_the_course_policy_allows_only_aes256_for_the_account_users(
    learner: tuple[Client, Sandbox],
) -> None:
    client, box = learner
    make_bucket(box, BUCKET)
    response = _matrix(client, box, policies.document("require-aes256", BUCKET), **HX)
    assert response.status_code == 200
    html = response.content.decode().replace("<wbr>", "")  # a name's line-break points
    grid = _grid(html)
    assert list(grid) == [
        "none", "aes256", "kms-default", "kms-named", "kms-other", "dsse", "sse-c", "cse"
    ]  # fmt: skip
    allow, deny, implicit = "Allow", "ExplicitDeny", "ImplicitDeny"
    # alice and bob have an identity policy that allows s3:*; anonymous has none.
    assert grid["aes256"] == [allow, allow, implicit, allow, allow, implicit]
    for code in ("none", "kms-default", "kms-named", "kms-other", "dsse", "sse-c", "cse"):
        assert grid[code] == [deny] * 6, code
    assert "DenyUnEncryptedObjectUploads" in html and "AllowS3AndKMS" in html
    assert "<table" in html and 'scope="col"' in html and 'scope="row"' in html
    assert "Deny" in html and "(explicit)" in html
    # Without a policy, anonymous is denied implicitly: nothing allows it.
    empty = _grid(_matrix(client, box, "", **HX).content.decode())
    assert empty["none"] == [allow, allow, implicit, allow, allow, implicit]


def test_each_cells_marks_name_the_statements_that_decided_it_in_the_legend(
    learner: tuple[Client, Sandbox],
) -> None:
    # The grid sits beside the editor: a cell shows its decision and the numbers of the
    # legend's entries; each statement's Sid is written once, in the legend.
    client, box = learner
    make_bucket(box, BUCKET)
    engine = look(box)
    draft = policies.document("require-aes256", BUCKET)
    built = matrix.build(engine, BUCKET, draft)
    legend = {d.number: d for d in built.legend}
    assert sorted(legend) == list(range(1, len(legend) + 1))
    for line in built.rows:
        for cell in line.cells:
            named = {"".join(legend[m].sid) for m in cell.marks}
            assert named == {"".join(sid) for sid in cell.sids} or (
                not cell.sids and named == {""}
            ), (line.row.code, cell.column)
            assert all(legend[m].effect.startswith(cell.word) for m in cell.marks)
    sids = ["".join(d.sid) for d in built.legend]
    assert sids.count("DenyIncorrectEncryptionHeader") == 1
    html = _matrix(client, box, draft, **HX).content.decode().replace("<wbr>", "")
    assert 'data-testid="policy-matrix-legend"' in html
    assert html.count('<code translate="no">DenyIncorrectEncryptionHeader</code>') == 1


def test_an_edit_changes_exactly_the_cells_it_should(learner: tuple[Client, Sandbox]) -> None:
    client, box = learner
    make_bucket(box, BUCKET)
    aes = _grid(
        _matrix(client, box, policies.document("require-aes256", BUCKET), **HX).content.decode()
    )
    kms = _grid(
        _matrix(client, box, policies.document("require-kms", BUCKET), **HX).content.decode()
    )
    changed = {code for code in aes if aes[code] != kms[code]}
    assert changed == {"aes256", "kms-default", "kms-named", "kms-other"}
    assert kms["kms-named"] == ["Allow", "Allow", "ImplicitDeny"] * 2
    tls = _grid(
        _matrix(client, box, policies.document("enforce-tls", BUCKET), **HX).content.decode()
    )
    for code, cells in tls.items():
        assert cells[3:] == ["ExplicitDeny"] * 3, code  # every HTTP request
        # A new bucket blocks SSE-C writes [BLOCK]: denied by the setting, not the policy.
        assert cells[:2] == (["ExplicitDeny"] * 2 if code == "sse-c" else ["Allow"] * 2), code


def test_a_bucket_that_blocks_sse_c_denies_its_writes_by_the_setting(
    learner: tuple[Client, Sandbox],
) -> None:
    client, box = learner
    make_bucket(box, BUCKET)
    html = _matrix(client, box, "", **HX).content.decode()
    assert _grid(html)["sse-c"][:3] == ["ExplicitDeny", "ExplicitDeny", "ImplicitDeny"]
    assert "BlockedEncryptionTypes: SSE-C" in html
    make_bucket(box, "matrix-open", allow_ssec=True)
    open_ = client.post(url("policy_matrix", box, "matrix-open"), {"policy": ""}, **HX)
    assert _grid(open_.content.decode())["sse-c"][:3] == ["Allow", "Allow", "ImplicitDeny"]


def test_the_named_key_row_uses_the_key_the_draft_names(learner: tuple[Client, Sandbox]) -> None:
    client, box = learner
    make_bucket(box, BUCKET)
    named = new_kms_key(box)["Arn"]
    other = new_kms_key(box)["Arn"]
    draft = (
        '{"Version": "2012-10-17", "Statement": [{"Sid": "OnlyThisKey", "Effect": "Deny", '
        '"Principal": "*", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::' + BUCKET
        + '/*", "Condition": {"ArnNotEqualsIfExists": '
        '{"s3:x-amz-server-side-encryption-aws-kms-key-id": "' + other + '"}}}]}'
    )  # fmt: skip
    html = _matrix(client, box, draft, **HX).content.decode().replace("<wbr>", "")
    grid = _grid(html)
    assert grid["kms-named"][:2] == ["Allow", "Allow"]
    assert grid["kms-other"][:2] == ["ExplicitDeny", "ExplicitDeny"]
    # The key header absent: ...IfExists is true, so the Deny fires (s3-facts §4).
    assert grid["kms-default"][:2] == ["ExplicitDeny", "ExplicitDeny"]
    assert other in html and named in html


def test_every_cell_agrees_with_sending_the_request(learner: tuple[Client, Sandbox]) -> None:
    client, box = learner
    make_bucket(box, BUCKET, allow_ssec=True)
    draft = policies.document("require-aes256", BUCKET)
    grid = _grid(_matrix(client, box, draft, **HX).content.decode())
    assert client.post(url("bucket_policy", box, BUCKET), {"policy": draft}).status_code == 302
    rows = matrix.rows(look(box), draft)
    for row in rows:
        for column, expected in zip(matrix.COLUMNS, grid[row.code], strict=True):
            request = S3Request(
                "PUT", BUCKET, "sent.txt", headers=row.headers, body=b"x",
                secure=column.secure, principal=v.user_arn(column.caller),
            )  # fmt: skip
            sent = run(box, "test", request).response
            step = next(
                s for s in sent.trace
                if isinstance(s, PolicyEvaluated) and s.decision is not None
                and s.decision["service"] == "s3"
            )  # fmt: skip
            assert step.decision is not None
            assert step.decision["decision"] == expected, (row.code, column)
            assert (sent.error_code == "AccessDenied") == (expected != "Allow"), (row.code, column)


def test_checking_a_draft_writes_nothing(learner: tuple[Client, Sandbox]) -> None:
    client, box = learner
    make_bucket(box, BUCKET)
    box.refresh_from_db()
    before = (
        sorted(Record.objects.filter(sandbox=box).values_list("kind", "rid", "data")),
        TraceRecord.objects.filter(sandbox=box).count(),
        box.updated,
    )
    for code in ("require-aes256", "require-kms", "forbid-ssec"):
        assert _matrix(client, box, policies.document(code, BUCKET), **HX).status_code == 200
    assert _matrix(client, box, policies.document("enforce-tls", BUCKET)).status_code == 200
    box.refresh_from_db()
    after = (
        sorted(Record.objects.filter(sandbox=box).values_list("kind", "rid", "data")),
        TraceRecord.objects.filter(sandbox=box).count(),
        box.updated,
    )
    assert after == before


def test_a_draft_s3_would_refuse_shows_malformed_policy_instead_of_the_grid(
    learner: tuple[Client, Sandbox],
) -> None:
    client, box = learner
    make_bucket(box, BUCKET)
    html = _matrix(client, box, '{"Version": "2012-10-17"', **HX).content.decode()
    assert "400 MalformedPolicy" in html and "<table" not in html
    other = policies.document("require-aes256", "another-bucket")
    html = _matrix(client, box, other, **HX).content.decode()
    # The message PutBucketPolicy gives for the same draft.
    saved = client.post(url("bucket_policy", box, BUCKET), {"policy": other}, **HX)
    message = re.search(r"MalformedPolicy: ([^<]+)", saved.content.decode())
    assert message is not None
    assert message.group(1).strip() in html


def test_without_htmx_the_bucket_page_comes_back_with_the_draft_and_its_grid(
    learner: tuple[Client, Sandbox],
) -> None:
    client, box = learner
    make_bucket(box, BUCKET)
    draft = policies.document("require-kms", BUCKET)
    response = _matrix(client, box, draft)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html and 'id="bucket-body"' in html
    assert _grid(html)["kms-default"][0] == "Allow"
    assert "aws:kms" in html
    # Nothing was saved: the bucket still has no policy.
    assert client.get(url("bucket", box, BUCKET)).content.decode().count("DenyIncorrect") == 0


def test_another_learners_bucket_is_404(learner: tuple[Client, Sandbox], stranger: Client) -> None:
    _client, box = learner
    make_bucket(box, BUCKET)
    assert _matrix(stranger, box, "", **HX).status_code == 404
