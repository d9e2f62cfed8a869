"""The lessons' URLs, under ``/lessons/``: the course map, and each lesson by its slug
(the quiz's ``see = "lesson:<domain>"`` links resolve to ``/lessons/<domain>/``)."""

from django.urls import path

from . import views

urlpatterns = [
    path("lessons/", views.course_map, name="lessons"),
    path("lessons/<slug:slug>/", views.lesson_page, name="lesson"),
    path("lessons/<slug:slug>/try/", views.try_it, name="lesson_try"),
    path("lessons/<slug:slug>/check/<int:number>/", views.check, name="lesson_check"),
]
