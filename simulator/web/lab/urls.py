"""Sandboxes, the bucket builder, uploads and downloads."""

from django.urls import path

from . import raw, views
from .views.matrix_views import policy_matrix

B = "lab/<uuid:sandbox_id>/buckets/<str:bucket>/"

urlpatterns = [
    path("lab/", views.sandboxes, name="sandboxes"),
    path("lab/new/", views.sandbox_create, name="sandbox_create"),
    path("lab/start/", views.sandbox_start, name="sandbox_start"),
    path("lab/<uuid:sandbox_id>/", views.sandbox, name="sandbox"),
    path("lab/<uuid:sandbox_id>/rename/", views.sandbox_rename, name="sandbox_rename"),
    path("lab/<uuid:sandbox_id>/reset/", views.sandbox_reset, name="sandbox_reset"),
    path(
        "lab/<uuid:sandbox_id>/reset-to-demo/",
        views.sandbox_restore_demo,
        name="sandbox_restore_demo",
    ),
    path("lab/<uuid:sandbox_id>/delete/", views.sandbox_delete, name="sandbox_delete"),
    path("lab/<uuid:sandbox_id>/buckets/", views.bucket_create, name="bucket_create"),
    path(B, views.bucket, name="bucket"),
    path(B + "encryption/", views.bucket_encryption, name="bucket_encryption"),
    path(B + "ssec/", views.bucket_ssec, name="bucket_ssec"),
    path(B + "policy/", views.bucket_policy, name="bucket_policy"),
    path(B + "policy/matrix/", policy_matrix, name="policy_matrix"),
    path(B + "raw/", raw.raw_request, name="raw_request"),
    path(B + "scenario/", views.bucket_scenario, name="bucket_scenario"),
    path(B + "reencrypt/", views.reencrypt, name="reencrypt"),
    path(B + "upload/", views.upload, name="upload"),
    path(B + "object/", views.object_detail, name="object"),
    path(B + "object/download/", views.object_download, name="object_download"),
    path(B + "object/delete/", views.object_delete, name="object_delete"),
]
