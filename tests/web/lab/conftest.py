"""Fixtures for the lab's view tests: a learner with a sandbox, and a stranger."""

from __future__ import annotations

import pytest
from django.test import Client
from lab_builders import learner_client, sandbox_of

from simulator.web.models import Sandbox


@pytest.fixture
def learner(db: None) -> tuple[Client, Sandbox]:
    client = learner_client()
    return client, sandbox_of(client)


@pytest.fixture
def stranger(db: None) -> Client:
    """Another learner, with a sandbox of their own."""
    client: Client = learner_client()
    return client
