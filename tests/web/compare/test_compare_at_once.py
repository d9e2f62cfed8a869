"""Two comparisons at once from one learner, against the served app (gunicorn, several
workers; SQLite, or PostgreSQL with ``DATABASE_URL``): the sandbox's lock runs them one
after the other, so both succeed, each in a bucket of its own, or one is refused
cleanly (a 409 or 503 page, nothing of it kept) — never a 500, never a half run."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from served import Learner, Served, served_app


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with served_app(tmp_path_factory.mktemp("served-compare"), workers=2) as served:
        yield served


def test_two_runs_at_once_from_one_learner(app: Served) -> None:
    learner = Learner(app.url)
    sandbox = learner.new_sandbox()
    learner.get(sandbox + "compare/")

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(
            pool.map(lambda _: learner.post(sandbox + "compare/run/", {"sample": "1"}), range(2))
        )

    statuses = sorted(a.status for a in answers)
    assert all(s in (302, 409, 503) for s in statuses), [a.data[:300] for a in answers]
    done = sorted(str(a.headers["Location"]) for a in answers if a.status == 302)
    assert done, "at least one run completes"
    assert len(set(done)) == len(done), "each run has a bucket of its own"
    assert all(d.startswith(sandbox + "compare/runs/compare-") for d in done)
    for location in done:
        page = learner.get(location)
        assert page.status == 200
        assert page.data.count(b'data-testid="compare-steps"') == 1
        # Six columns, each with its trace: nothing half kept.
        assert page.data.count(b'class="compare-col__trace"') == 2 * 6
