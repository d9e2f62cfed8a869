"""The endpoint's addresses: each sandbox is an S3 and a KMS endpoint of its own.

- ``/s3/<sandbox>/``: ListBuckets; ``/s3/<sandbox>/<bucket>[/]``: the bucket;
  ``/s3/<sandbox>/<bucket>/<key…>``: an object (the view reads the key from the raw path);
- ``/kms/<sandbox>/``: the KMS JSON protocol.
"""

from django.urls import path, re_path

from . import views

app_name = "s3api"

urlpatterns = [
    path("s3/<uuid:sandbox_id>/", views.s3, name="s3_root"),
    # boto3 sends ListBuckets to the endpoint URL as given, without the slash.
    path("s3/<uuid:sandbox_id>", views.s3),
    # Bucket and object level: everything after the sandbox, newlines included.
    re_path(
        r"^s3/(?P<sandbox_id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
        r"/(?P<rest>(?s:.+))$",
        views.s3_object,
        name="s3_path",
    ),
    path("kms/<uuid:sandbox_id>/", views.kms, name="kms"),
    path("kms/<uuid:sandbox_id>", views.kms),
]
