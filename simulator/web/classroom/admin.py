"""The classes in Django's admin, for the site's host (optional: it needs a user made
with ``manage.py createsuperuser``; teachers never need one).

The host sees every class, its students and questions, can end a class left open, and
can give a teacher who lost their link a new one. The admin never shows a teacher
secret it does not have: only the hash is stored, so a new link is made and shown once.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _

from . import service
from .models import Classroom


@admin.register(Classroom)
class ClassroomAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("title", "code", "state", "students", "questions", "created", "active_at")
    list_filter = ("state",)
    search_fields = ("title", "code")
    ordering = ("-created",)
    # A class is the teacher's: the host ends it or re-issues its link, and edits nothing.
    readonly_fields = (
        "title", "code", "scenario_slug", "language", "state", "created", "active_at", "ended_at",
    )  # fmt: skip
    exclude = ("secret_hash", "scenario")
    actions = ("end_classes", "new_teacher_links")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Classroom]:
        classes: QuerySet[Classroom] = super().get_queryset(request)
        return classes.annotate(
            student_count=Count("students", distinct=True),
            question_count=Count("questions", distinct=True),
        )

    @admin.display(description=_("students"), ordering="student_count")
    def students(self, classroom: Classroom) -> int:
        return int(getattr(classroom, "student_count", 0))

    @admin.display(description=_("questions"), ordering="question_count")
    def questions(self, classroom: Classroom) -> int:
        return int(getattr(classroom, "question_count", 0))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a class is started at /class/, where its teacher gets the link

    @admin.action(description=_("End the selected classes"), permissions=["change"])
    def end_classes(self, request: HttpRequest, queryset: QuerySet[Classroom]) -> None:
        ended = 0
        for classroom in queryset.filter(state="open"):
            service.end_class(classroom)
            ended += 1
        self.message_user(request, _("Classes ended: %(n)d.") % {"n": ended}, messages.SUCCESS)

    @admin.action(description=_("Make a new teacher link"), permissions=["change"])
    def new_teacher_links(
        self, request: HttpRequest, queryset: QuerySet[Classroom]
    ) -> TemplateResponse:
        """New links, on a page of their own and never in a message (messages may be
        kept in a cookie): shown once, not cached, the old links dead at once."""
        made = []
        for classroom in queryset:
            secret = service.new_teacher_link(classroom)
            link = request.build_absolute_uri(reverse("web:class_teacher", args=[secret]))
            made.append((classroom, link))
        response = TemplateResponse(
            request,
            "admin/web/classroom/new_links.html",
            {**self.admin_site.each_context(request), "made": made, "opts": self.model._meta,
             "title": _("New teacher links")},
        )  # fmt: skip
        add_never_cache_headers(response)
        return response
