"""The trace view: every request as an animated, step-through story (design §4)."""

from django.urls import path

from . import views

urlpatterns = [
    path("lab/<uuid:sandbox_id>/traces/", views.trace_list, name="traces"),
    path("lab/<uuid:sandbox_id>/traces/<uuid:trace_id>/", views.trace_detail, name="trace"),
    path("lab/<uuid:sandbox_id>/traces/<uuid:trace_id>.json", views.trace_json, name="trace_json"),
]
