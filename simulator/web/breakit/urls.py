from django.urls import path

from . import views

urlpatterns = [
    path("lab/<uuid:sandbox_id>/break/", views.index, name="breakit"),
    path("lab/<uuid:sandbox_id>/break/<slug:slug>/", views.run, name="breakit_run"),
]
