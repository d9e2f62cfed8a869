"""WSGI entry point (gunicorn simulator.wsgi)."""

import gc
import os
from pathlib import Path
from typing import cast

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.template import TemplateDoesNotExist, loader
from django.urls import get_resolver
from django.utils import translation

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "simulator.settings")

application = get_wsgi_application()


def _load_templates_and_catalogues() -> None:
    """Compile every template and load every language's catalogue now.

    gunicorn loads the app once and forks its workers from it (``preload_app``): what is
    loaded here is shared by every worker, instead of each worker compiling a template
    the first time one of its requests needs it, which made every worker's first request
    of each kind several times slower.
    """
    folders = cast("list[str | Path]", settings.TEMPLATES[0]["DIRS"])
    for folder in folders:
        root = Path(folder)
        for path in sorted(root.rglob("*.html")):
            try:
                loader.get_template(path.relative_to(root).as_posix())
            except TemplateDoesNotExist:  # pragma: no cover - found by rglob
                continue
    for code, _ in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("S3 Encryption Lab")


# Load the URLconf (and with it every view module), the templates and the catalogues
# now, then move everything loaded at start-up into the garbage collector's permanent
# generation: full collections then scan only what requests allocate, which keeps long
# trace pages free of pauses.
get_resolver().url_patterns  # noqa: B018
_load_templates_and_catalogues()
gc.collect()
gc.freeze()
