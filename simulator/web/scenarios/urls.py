from django.urls import path

from . import views

urlpatterns = [
    path("scenarios/", views.scenario_library, name="scenarios"),
    path("scenarios/import/", views.scenario_import, name="scenario_import"),
    path("scenarios/<slug:slug>/", views.scenario_detail, name="scenario"),
    path("lab/<uuid:sandbox_id>/scenario.json", views.scenario_export, name="scenario_export"),
]
