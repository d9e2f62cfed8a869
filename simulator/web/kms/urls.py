from django.urls import path

from . import views

urlpatterns = [
    path("lab/<uuid:sandbox_id>/kms/", views.index, name="kms"),
    path("lab/<uuid:sandbox_id>/kms/create/", views.create, name="kms_create"),
    path("lab/<uuid:sandbox_id>/kms/<str:key_id>/", views.key, name="kms_key"),
    path("lab/<uuid:sandbox_id>/kms/<str:key_id>/action/", views.key_action, name="kms_key_action"),
    path("lab/<uuid:sandbox_id>/audit/", views.audit, name="audit"),
    path("lab/<uuid:sandbox_id>/audit/trail/", views.audit_trail, name="audit_trail"),
]
