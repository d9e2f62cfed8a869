"""Top-level URL configuration.

The lab's pages live in ``simulator.web``; the S3-compatible endpoint (``/s3/``,
``/kms/``) in ``simulator.s3api``.
"""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    # Optional: for the site's host, once a user exists (manage.py createsuperuser).
    path("admin/", admin.site.urls),
    path("", include("simulator.s3api.urls")),
    path("", include("simulator.web.urls")),
]

handler400 = "simulator.web.views.bad_request"
handler404 = "simulator.web.views.page_not_found"
handler500 = "simulator.web.views.server_error"
