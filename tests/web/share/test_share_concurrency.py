"""A class opens one share link at once, against the served app (gunicorn, four workers)
on SQLite and, with ``DATABASE_URL``, on PostgreSQL: no request fails, nobody sees the
owner's changes made meanwhile, and a revoked link stops in every worker at once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from served import Learner, Served, served_app

VIEWERS = 60


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with served_app(tmp_path_factory.mktemp("served-share"), workers=4) as served:
        yield served


def _upload(owner: Learner, bucket_path: str, key: str, body: bytes) -> int:
    fields = {
        "file": (key, body, "text/plain"),
        "key": key,
        "mode": "SSE-S3",
        "sender": "alice",
        "transport": "https",
    }
    return owner.post(bucket_path + "upload/", fields).status


def _share(owner: Learner, sandbox: str) -> str:
    response = owner.post(sandbox + "share/", {"kind": "sandbox"})
    assert response.status == 302, response.data[:300]
    return str(response.headers["Location"])


def test_a_class_opens_one_link_at_once_while_the_owner_works_and_then_revokes(
    app: Served,
) -> None:
    owner = Learner(app.url)
    sandbox = owner.new_sandbox()
    assert owner.post(sandbox + "buckets/", {"name": "class-share"}).status == 302
    bucket = sandbox + "buckets/class-share/"
    assert _upload(owner, bucket, "first.txt", b"the first object") == 302

    # Ten Share clicks at once on an unchanged sandbox: one link, one snapshot.
    with ThreadPoolExecutor(max_workers=10) as pool:
        made = set(pool.map(lambda _: _share(owner, sandbox), range(10)))
    assert len(made) == 1
    listing = owner.get(made.pop()).data.decode()
    found = re.search(r'value="(http://127\.0\.0\.1:\d+)(/s/[2-9a-z]{12}/)"', listing)
    assert found is not None
    link = found.group(2)

    def view(i: int) -> tuple[int, str]:
        if i % 12 == 0:  # the owner keeps working meanwhile
            return _upload(owner, bucket, f"later-{i}.txt", b"later"), ""
        response = Learner(app.url).get(link)
        return response.status, response.data.decode()

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(view, range(VIEWERS)))
    statuses = [status for status, _ in results]
    assert set(statuses) <= {200, 302}
    assert statuses.count(200) == VIEWERS - len(range(0, VIEWERS, 12))
    for status, page in results:
        if status == 200:
            assert "first.txt" in page
            assert "later-" not in page
    assert "later-0.txt" in owner.get(bucket).data.decode()

    # The owner revokes: every worker refuses the link from the next request on.
    revoke = re.search(r'action="(/lab/[0-9a-f-]{36}/shared/[2-9a-z]+/revoke/)"', listing)
    assert revoke is not None
    assert owner.post(revoke.group(1), {}).status == 302
    with ThreadPoolExecutor(max_workers=20) as pool:
        after = list(pool.map(lambda _: Learner(app.url).get(link).status, range(40)))
    assert after == [404] * 40
