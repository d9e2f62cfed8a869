"""Share links: the owner's side under ``/lab/<sandbox id>/``, the viewer's at ``/s/<token>/``."""

from django.urls import path

from . import views

urlpatterns = [
    path("lab/<uuid:sandbox_id>/share/", views.make, name="share_make"),
    path("lab/<uuid:sandbox_id>/shared/", views.shared, name="share_list"),
    path("lab/<uuid:sandbox_id>/shared/<str:link_id>/revoke/", views.revoke, name="share_revoke"),
    path("s/<str:token>/", views.view, name="share"),
    path("s/<str:token>/copy/", views.copy, name="share_copy"),
    path("s/<str:token>/objects/", views.view_object, name="share_object"),
    path("s/<str:token>/traces/<uuid:trace_id>/", views.view_trace, name="share_trace"),
]
