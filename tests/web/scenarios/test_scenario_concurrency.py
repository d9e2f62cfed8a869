"""A class opening one scenario link at once, against the served app (gunicorn, several
workers), on SQLite and on PostgreSQL (``-m postgres`` with ``DATABASE_URL``): every build
succeeds, each learner gets one sandbox of their own with the whole scenario in it, and a
bad import at the same moment creates nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from served import Learner, Served, served_app

LEARNERS = 12


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with served_app(tmp_path_factory.mktemp("scenarios-served"), workers=4) as served:
        yield served


def open_link(app: Served, slug: str) -> tuple[Learner, int, str]:
    learner = Learner(app.url)
    assert learner.get(f"/scenarios/{slug}/").status == 200
    response = learner.post(f"/scenarios/{slug}/", {})
    return learner, response.status, str(response.headers.get("Location", ""))


def bad_import(app: Served) -> int:
    learner = Learner(app.url)
    assert learner.get("/scenarios/import/").status == 200
    bad = {
        "format": "s3-encryption-lab/scenario",
        "version": 1,
        "title": "refused at its last step",
        "buckets": [{"name": "fine-bucket"}, {"name": "bad-policy", "policy": {"x": 1}}],
    }
    return learner.post("/scenarios/import/", {"text": json.dumps(bad)}).status


def test_a_class_opens_a_reproducible_scenario_at_once(app: Served) -> None:
    with ThreadPoolExecutor(LEARNERS + 2) as pool:
        opened = [pool.submit(open_link, app, "classroom-identical-bytes") for _ in range(LEARNERS)]
        refused = [pool.submit(bad_import, app) for _ in range(2)]
        results = [f.result() for f in opened]
        statuses = [f.result() for f in refused]
    assert [status for _, status, _ in results] == [302] * LEARNERS
    assert statuses == [400, 400]
    ids = [location.rstrip("/").split("/")[-1] for _, _, location in results]
    assert len(set(ids)) == LEARNERS
    for learner, _, location in results:
        page = learner.get(location)
        assert page.status == 200
        assert "Reproducible mode." in page.data.decode()
    rows = app.query(
        "SELECT s.seed, COUNT(r.id) FROM web_sandbox s JOIN web_record r ON r.sandbox_id = s.id "
        "WHERE r.kind = %s GROUP BY s.id, s.seed",
        ["object"],
    )
    assert sorted(count for _, count in rows) == [2] * LEARNERS
    assert {seed for seed, _ in rows} == {"lab-library-classroom-v1"}
    # The refused imports left no sandbox.
    names = app.query("SELECT name FROM web_sandbox WHERE name = %s", ["refused at its last step"])
    assert names == []
