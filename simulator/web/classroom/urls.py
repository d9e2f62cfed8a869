"""The class's URLs: the teacher's under ``/class/t/<secret>/`` (the secret is the key),
the students' ``/join/`` and ``/class/<code>/`` (their session is the key)."""

from django.urls import path

from . import views

urlpatterns = [
    path("class/", views.start, name="class_start"),
    path("class/t/<str:secret>/", views.teacher, name="class_teacher"),
    path("class/t/<str:secret>/live/", views.teacher_live, name="class_teacher_live"),
    path("class/t/<str:secret>/ask/", views.ask, name="class_ask"),
    path("class/t/<str:secret>/reveal/", views.reveal, name="class_reveal"),
    path("class/t/<str:secret>/end/", views.end, name="class_end"),
    path("class/t/<str:secret>/results/", views.results, name="class_results"),
    path("class/t/<str:secret>/results.csv", views.results_csv, name="class_results_csv"),
    path("join/", views.join_code, name="class_join"),
    path("join/<str:code>", views.join_nickname, name="class_join_code"),
    path("class/<str:code>/", views.student, name="class_student"),
    path("class/<str:code>/live/", views.student_live, name="class_student_live"),
    path("class/<str:code>/answer/", views.answer, name="class_answer"),
]
