"""WSGI entry point (gunicorn simulator.wsgi)."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "simulator.settings")

application = get_wsgi_application()

# Load the URLconf (and with it every view module) now, then move everything loaded at
# start-up into the garbage collector's permanent generation: full collections then
# scan only what requests allocate, which keeps long trace pages free of pauses.
get_resolver().url_patterns  # noqa: B018
gc.collect()
gc.freeze()
