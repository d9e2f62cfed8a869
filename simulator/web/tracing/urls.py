from django.urls import path

from ..placeholder import not_yet

urlpatterns = [
    path("lab/<uuid:sandbox_id>/traces/", not_yet, name="traces"),
    path("lab/<uuid:sandbox_id>/traces/<uuid:trace_id>/", not_yet, name="trace"),
    path("lab/<uuid:sandbox_id>/traces/<uuid:trace_id>.json", not_yet, name="trace_json"),
]
