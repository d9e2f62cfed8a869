"""The names a sandbox's AWS CLI set-up uses, shared by the Connect page and the trace's
commands: one profile per IAM user, and one ``services`` section with the endpoints."""

from __future__ import annotations

import uuid


def short_id(sandbox_id: uuid.UUID | str) -> str:
    """The sandbox id's first 8 characters: enough to tell a learner's sandboxes apart."""
    return str(sandbox_id).replace("-", "")[:8]


def services_name(sandbox_id: uuid.UUID | str) -> str:
    """``lab-1a2b3c4d``: the ``[services …]`` section that holds the sandbox's endpoints."""
    return f"lab-{short_id(sandbox_id)}"


def profile_name(sandbox_id: uuid.UUID | str, user_name: str) -> str:
    """``lab-1a2b3c4d-alice``: the profile that signs as ``user_name`` in the sandbox."""
    return f"{services_name(sandbox_id)}-{user_name}"
