"""The static files storage of a served lab (DEBUG off): whitenoise's compressed storage
with hashed names, which also rewrites the relative imports between the lab's own ES
modules (``import … from "./format.js"`` in static/js) to the hashed names, as it does
for the stylesheets' url(). A module and what it imports are then always of the same
release, and cached for good. Third-party scripts (htmx's extensions) are left as they
are: Django's rewriting of every ``*.js`` would trip over their import lines."""

from __future__ import annotations

from django.contrib.staticfiles.storage import HashedFilesMixin
from whitenoise.storage import CompressedManifestStaticFilesStorage

# Django keeps these patterns for its all-or-nothing switch; the lab takes them for its own files.
_, _MODULE_IMPORTS = vars(HashedFilesMixin)["_js_module_import_aggregation_patterns"]


class LabStaticFilesStorage(CompressedManifestStaticFilesStorage):  # type: ignore[misc]
    patterns = (*CompressedManifestStaticFilesStorage.patterns, ("js/*.js", _MODULE_IMPORTS))
