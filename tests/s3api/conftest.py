"""The lab served as the README serves it (``bash scripts/run.sh``: gunicorn over HTTP and
a second gunicorn over HTTPS), for the tests that drive it with real clients.

``served`` starts it once per test session (``tests/vectors/served_lab.py``, shared with
the interoperability tests) and gives a sandbox with an access key made through the
Connect page's own functions.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from served_lab import ROOT, NotServed, Served, serve

__all__ = ["ROOT", "Served", "served"]


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    try:
        with serve(tmp_path_factory.mktemp("served-lab")) as lab:
            yield lab
    except NotServed as failure:
        pytest.fail(str(failure))
