"""The comparison of the modes: the same file in every mode, side by side, and the table."""

from django.urls import path

from . import views

urlpatterns = [
    path("lab/<uuid:sandbox_id>/compare/", views.index, name="compare"),
    path("lab/<uuid:sandbox_id>/compare/run/", views.run, name="compare_run"),
    path("lab/<uuid:sandbox_id>/compare/modes/", views.modes, name="compare_modes"),
    path(
        "lab/<uuid:sandbox_id>/compare/runs/<str:bucket>/",
        views.result,
        name="compare_result",
    ),
]
