"""A test client signed in as a given learner (their anonymous id in the session)."""

from __future__ import annotations

from django.test import Client

from simulator.web import sandboxes


def client_of(owner: str) -> Client:
    client = Client()
    session = client.session
    session[sandboxes.SESSION_KEY] = owner
    session.save()
    return client
