from django.urls import path

from ..placeholder import not_yet

urlpatterns = [
    path("lab/<uuid:sandbox_id>/break/", not_yet, name="breakit"),
]
