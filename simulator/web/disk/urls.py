from django.urls import path

from . import views

urlpatterns = [
    path("lab/<uuid:sandbox_id>/disk/", views.disk, name="disk"),
    path("lab/<uuid:sandbox_id>/disk/read/", views.read, name="disk_read"),
]
