"""The quiz's URLs, under ``/quiz/``: one attempt's pages under ``/quiz/<attempt id>/``,
served only to the learner who started it (``attempts.get_attempt``)."""

from django.urls import path

from . import progress_views, views

A = "quiz/<uuid:attempt_id>/"

urlpatterns = [
    path("quiz/", views.home, name="quiz"),
    path("quiz/start/", views.start, name="quiz_start"),
    path("quiz/report/", views.report, name="quiz_report"),
    path("quiz/review/", progress_views.review, name="quiz_review"),
    path("quiz/review/start/", progress_views.review_start, name="quiz_review_start"),
    path("quiz/history/", progress_views.history, name="quiz_history"),
    path("quiz/export/history.csv", progress_views.export_csv, name="quiz_export_csv"),
    path("quiz/export/anki/", progress_views.export_anki, name="quiz_export_anki"),
    path(A, views.attempt_view, name="quiz_attempt"),
    path(A + "<int:number>/", views.question, name="quiz_question"),
    path(A + "<int:number>/answer/", views.answer, name="quiz_answer"),
    path(A + "<int:number>/see/", views.see, name="quiz_see"),
    path(A + "submit/", views.submit, name="quiz_submit"),
    path(A + "results/", views.results, name="quiz_results"),
]
