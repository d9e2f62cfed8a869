"""Presenter mode's URLs: ``present/`` after a trace's or a lesson's own URL."""

from django.urls import path

from . import views

TRACE = "lab/<uuid:sandbox_id>/traces/<uuid:trace_id>/present/"

urlpatterns = [
    path(TRACE, views.trace_page, name="present_trace"),
    path(f"{TRACE}speaker/", views.trace_speaker, name="present_trace_speaker"),
    path(f"{TRACE}share/", views.trace_share, name="present_trace_share"),
    path("lessons/<slug:slug>/present/", views.lesson_page, name="present_lesson"),
    path(
        "lessons/<slug:slug>/present/speaker/", views.lesson_speaker, name="present_lesson_speaker"
    ),
]
