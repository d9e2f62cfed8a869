"""The Connect page and its changes, under ``/lab/<sandbox id>/connect/``."""

from django.urls import path

from . import views

urlpatterns = [
    path("lab/<uuid:sandbox_id>/connect/", views.connect, name="connect"),
    path("lab/<uuid:sandbox_id>/connect/keys/", views.create, name="connect_create"),
    path(
        "lab/<uuid:sandbox_id>/connect/keys/<str:access_key_id>/status/",
        views.switch,
        name="connect_switch",
    ),
    path(
        "lab/<uuid:sandbox_id>/connect/keys/<str:access_key_id>/delete/",
        views.delete,
        name="connect_delete",
    ),
    path("lab/<uuid:sandbox_id>/connect/ssec/", views.ssec_setting, name="connect_ssec"),
]
