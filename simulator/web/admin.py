"""The admin's registrations, one module per area (Django looks for ``<app>.admin``)."""

from .classroom import admin as classroom_admin  # noqa: F401
