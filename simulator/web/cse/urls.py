from django.urls import path

from . import views

urlpatterns = [
    path("lab/<uuid:sandbox_id>/cse/", views.workbench, name="cse"),
    path("lab/<uuid:sandbox_id>/cse/data-key", views.data_key, name="cse_data_key"),
    path("lab/<uuid:sandbox_id>/cse/decrypt-key", views.decrypt_key, name="cse_decrypt_key"),
]
