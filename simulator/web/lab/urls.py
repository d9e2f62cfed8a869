from django.urls import path

from ..placeholder import not_yet

urlpatterns = [
    path("lab/<uuid:sandbox_id>/", not_yet, name="sandbox"),
]
