from django.urls import path

from ..placeholder import not_yet

urlpatterns = [
    path("lab/<uuid:sandbox_id>/kms/", not_yet, name="kms"),
    path("lab/<uuid:sandbox_id>/audit/", not_yet, name="audit"),
]
