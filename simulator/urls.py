"""Top-level URL configuration.

The lab's pages live in ``simulator.web``; the S3-compatible endpoint (``/s3/``,
``/kms/``) will be added by ``simulator.s3api``.
"""

from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("simulator.web.urls")),
]

handler400 = "simulator.web.views.bad_request"
handler404 = "simulator.web.views.page_not_found"
handler500 = "simulator.web.views.server_error"
