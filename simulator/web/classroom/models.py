"""What a class keeps: the class, its students, the questions asked and the answers.

A class has no account behind it. The teacher holds a secret link; only the secret's
SHA-256 is stored (``codes.secret_hash``), so the database never holds a working
teacher link. A student is a learner (``sandboxes.learner_id``) who joined with a
nickname, and has a sandbox of their own built from the class's scenario.

The correct choices of a question are kept on the question and copied onto each answer
(``ClassAnswer.correct``); the student's pages read neither before the reveal.
"""

from __future__ import annotations

from django.db import models

KINDS = ("bank", "predict")
STATES = ("open", "ended")
NICKNAME_MAX = 24
CODE_LENGTH = 6


class Classroom(models.Model):
    title = models.CharField(max_length=80)
    # Unique among live classes: an ended class's code may come back (``codes.new_code``).
    code = models.CharField(max_length=CODE_LENGTH, db_index=True)
    secret_hash = models.CharField(max_length=64, unique=True)
    # The scenario every student's sandbox is built from: a library slug, or a whole
    # scenario (JSON) when the teacher gave one of their own.
    scenario_slug = models.CharField(max_length=80, blank=True, default="")
    scenario = models.JSONField(null=True, blank=True)
    language = models.CharField(max_length=8, default="en")
    state = models.CharField(max_length=8, choices=[(s, s) for s in STATES], default="open")
    created = models.DateTimeField(auto_now_add=True)
    # The last thing anyone did in the class (a join, a question, an answer): an open
    # class nobody has touched for a long while is abandoned (``cleanup``).
    active_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created",)
        constraints = (
            models.UniqueConstraint(
                fields=["code"],
                condition=models.Q(state="open"),
                name="classroom_live_code_unique",
            ),
        )

    def __str__(self) -> str:
        return f"{self.title} ({self.code})"

    @property
    def is_open(self) -> bool:
        return self.state == "open"


class Student(models.Model):
    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="students")
    nickname = models.CharField(max_length=NICKNAME_MAX)
    # The nickname as compared (NFKC, case folded, spaces squeezed): "Ann" and "ＡＮＮ "
    # are one name in a class.
    nickname_key = models.CharField(max_length=NICKNAME_MAX * 3)
    learner = models.CharField(max_length=64)
    # By name, not by import: simulator/web/models.py imports this module.
    sandbox = models.ForeignKey("web.Sandbox", on_delete=models.SET_NULL, null=True, blank=True)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = (
            "joined_at",
            "pk",
        )
        constraints = (
            models.UniqueConstraint(
                fields=["classroom", "nickname_key"], name="class_student_nickname_unique"
            ),
            models.UniqueConstraint(
                fields=["classroom", "learner"], name="class_student_learner_unique"
            ),
        )

    def __str__(self) -> str:
        return self.nickname


class ClassQuestion(models.Model):
    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="questions")
    kind = models.CharField(max_length=8, choices=[(k, k) for k in KINDS])
    # The quiz question's id (bank) or the lesson's slug (predict).
    ref = models.CharField(max_length=64)
    # The choice ids in the order every student sees them.
    choices = models.JSONField(default=list)
    # The ids of the correct choices: the bank's key, or what the engine did (predict).
    correct = models.JSONField(default=list)
    order = models.PositiveIntegerField()
    opened_at = models.DateTimeField(auto_now_add=True)
    revealed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = (
            "classroom",
            "order",
        )
        constraints = (
            models.UniqueConstraint(fields=["classroom", "order"], name="class_question_order"),
        )

    def __str__(self) -> str:
        return f"{self.classroom_id} #{self.order} {self.kind}:{self.ref}"

    @property
    def revealed(self) -> bool:
        return self.revealed_at is not None


class ClassAnswer(models.Model):
    question = models.ForeignKey(ClassQuestion, on_delete=models.CASCADE, related_name="answers")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="answers")
    choice = models.CharField(max_length=8)
    correct = models.BooleanField()
    answered_at = models.DateTimeField()

    class Meta:
        ordering = (
            "question",
            "answered_at",
        )
        constraints = (
            models.UniqueConstraint(
                fields=["question", "student"], name="class_answer_once_per_student"
            ),
        )

    def __str__(self) -> str:
        return f"{self.question_id} {self.student_id} {self.choice}"
