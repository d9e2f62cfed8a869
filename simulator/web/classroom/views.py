"""The class's pages: the teacher's (start, dashboard, results) and the students' (join,
answer). Views parse input, call ``service`` and choose a template; the teacher's key is
the secret in the URL, a student's key is their session's learner id.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from simulator.quiz import exam
from simulator.quiz.model import DOMAINS
from simulator.scenarios import library

from .. import sandboxes
from ..htmx import HtmxHttpRequest
from . import codes, display, limits, retention, service
from . import results as class_results
from .models import NICKNAME_MAX, ClassQuestion, Classroom, Student

POLL_TEACHER_SECONDS = 1
POLL_STUDENT_SECONDS = 3


def _language() -> str:
    return "ja" if (get_language() or "en").startswith("ja") else "en"


def _scenarios() -> list[tuple[str, str]]:
    """The scenario library's entries as ``(slug, title)`` in the viewer's language."""
    language = _language()
    return [(item.slug, item.title(language)) for item in library()]


REASONS = {
    "closed": lambda: _("This class has ended: it takes no more students or answers."),
    "taken": lambda: _("Someone in this class already has that nickname. Choose another."),
    "full": lambda: _("This class is full."),
    "sandboxes": lambda: _(
        "You already have the most sandboxes the lab keeps for one learner. Delete one in "
        "the lab, then join again."
    ),
    "not-current": lambda: _("That question is no longer the class's current question."),
    "revealed": lambda: _("The answer has been revealed: answers are closed."),
    "unknown-choice": lambda: _("Choose one of the answers shown."),
    "unknown-question": lambda: _("There is no such question."),
    "busy": lambda: _("The class was busy: try again."),
    "no-code": lambda: _("No join code was free: try again."),
    "no-scenario": lambda: _("This class's scenario is no longer in the library."),
    "empty": lambda: _("Enter a nickname."),
    "long": lambda: _("A nickname has at most %(n)d characters.") % {"n": NICKNAME_MAX},
}


def _refused(request: HttpRequest, refused: limits.Refused) -> HttpResponse:
    response = render(
        request,
        "web/classroom/join.html",
        {"refused": refused, "code": ""},
        status=429,
    )
    response["Retry-After"] = str(refused.retry_after)
    return response


# --------------------------------------------------------------------------- the teacher


@never_cache
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    """ "Start a class": a title and a scenario; the teacher link, shown once."""
    scenarios = _scenarios()
    error = ""
    title = ""
    chosen = scenarios[0][0] if scenarios else ""
    if request.method == "POST":
        title = request.POST.get("title", "").strip()[:80]
        chosen = request.POST.get("scenario", "")
        if not title:
            error = _("Give the class a title.")
        elif chosen not in dict(scenarios):
            error = _("Choose a scenario from the library.")
        else:
            classroom, secret = service.start_class(
                title, scenario_slug=chosen, language=_language()
            )
            link = request.build_absolute_uri(reverse("web:class_teacher", args=[secret]))
            return render(
                request,
                "web/classroom/started.html",
                {"classroom": classroom, "link": link, "secret": secret},
            )
    return render(
        request,
        "web/classroom/start.html",
        {"scenarios": scenarios, "error": error, "title": title, "chosen": chosen},
        status=400 if error else 200,
    )


def _teacher_state(
    classroom: Classroom,
) -> tuple[str, int, ClassQuestion | None, service.Tally | None]:
    """The dashboard's live numbers (three queries) and their version (``?v=``)."""
    students = classroom.students.count()
    question = service.current_question(classroom)
    tally = service.tally(question, students) if question is not None else None
    return _teacher_version(classroom, question, tally, students), students, question, tally


def _teacher_context(
    request: HttpRequest,
    classroom: Classroom,
    secret: str,
    state: tuple[str, int, ClassQuestion | None, service.Tally | None] | None = None,
) -> dict[str, Any]:
    """The dashboard; ``state``: its live numbers if this request already counted them."""
    version, _count, question, tally = state or _teacher_state(classroom)
    students = list(classroom.students.only("nickname", "joined_at"))
    shown = None
    if question is not None and tally is not None:
        shown = display.with_tally(display.view(question, _language()), tally)
    join_url = request.build_absolute_uri(reverse("web:class_join_code", args=[classroom.code]))
    return {
        "classroom": classroom,
        "secret": secret,
        "students": students,
        "question": shown,
        "tally": tally,
        "join_url": join_url,
        "join_short": request.build_absolute_uri(reverse("web:class_join")),
        "version": version,
        "poll_seconds": POLL_TEACHER_SECONDS,
    }


def _teacher_version(
    classroom: Classroom,
    question: ClassQuestion | None,
    tally: service.Tally | None,
    students: int,
) -> str:
    if question is None or tally is None:
        return f"{classroom.state}.{students}"
    counts = ".".join(str(tally.counts.get(c, 0)) for c in question.choices)
    return f"{classroom.state}.{students}.{question.pk}.{int(question.revealed)}.{counts}"


@never_cache
@require_GET
def teacher(request: HttpRequest, secret: str) -> HttpResponse:
    classroom = service.teacher_class(secret)
    context = _teacher_context(request, classroom, secret)
    domain = request.GET.get("domain", "")
    language = _language()
    context.update(
        {
            "domains": [(d, exam.DOMAIN_TITLES[d](language)) for d in DOMAINS],
            "domain": domain if domain in DOMAINS else "",
            "bank": [
                {"id": q.id, "stem": q.stem(language)}
                for q in (service.class_questions(domain) if domain in DOMAINS else [])
            ],
            "lessons": [
                {"slug": lesson.slug, "title": lesson.title(language)}
                for lesson in service.predict_lessons()
            ],
            "error": REASONS.get(request.GET.get("error", ""), lambda: "")(),
        }
    )
    return render(request, "web/classroom/teacher.html", context)


@never_cache
@require_GET
def teacher_live(request: HtmxHttpRequest, secret: str) -> HttpResponse:
    """The polled part of the dashboard: students and the live chart. Unchanged since
    the version the page holds: 204, which htmx does not swap."""
    classroom = service.teacher_class(secret)
    if not request.htmx:
        return redirect("web:class_teacher", secret=secret)
    state = _teacher_state(classroom)
    if request.GET.get("v") == state[0]:
        return HttpResponse(status=204)
    return render(
        request,
        "web/classroom/teacher.html#live",
        _teacher_context(request, classroom, secret, state),
    )


def _back(secret: str, error: str = "") -> HttpResponseRedirect:
    url = reverse("web:class_teacher", args=[secret])
    return HttpResponseRedirect(f"{url}?error={error}#live" if error else url + "#live")


@require_POST
def ask(request: HttpRequest, secret: str) -> HttpResponse:
    classroom = service.teacher_class(secret)
    kind = request.POST.get("kind", "")
    ref = request.POST.get("ref", "")[:64]
    try:
        if kind == "bank":
            service.ask_bank(classroom, ref)
        elif kind == "predict":
            service.ask_predict(classroom, ref)
        else:
            return _back(secret, "unknown-question")
    except service.ClassError as error:
        return _back(secret, error.reason)
    return _back(secret)


@require_POST
def reveal(request: HttpRequest, secret: str) -> HttpResponse:
    classroom = service.teacher_class(secret)
    try:
        service.reveal(classroom, int(request.POST.get("question", "0")))
    except (ValueError, service.ClassError):
        return _back(secret, "unknown-question")
    return _back(secret)


@require_POST
def end(request: HttpRequest, secret: str) -> HttpResponse:
    classroom = service.teacher_class(secret)
    service.end_class(classroom)
    return redirect("web:class_results", secret=secret)


@never_cache
@require_GET
def results(request: HttpRequest, secret: str) -> HttpResponse:
    classroom = service.teacher_class(secret)
    return render(
        request,
        "web/classroom/results.html",
        {
            "classroom": classroom,
            "secret": secret,
            "results": class_results.results(classroom, _language()),
            "deleted_after": retention.deleted_after(classroom),
            "retention_days": retention.retention_days(),
        },
    )


@never_cache
@require_GET
def results_csv(request: HttpRequest, secret: str) -> HttpResponse:
    classroom = service.teacher_class(secret)
    response = HttpResponse(
        class_results.csv_text(classroom), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="class-{classroom.code}.csv"'
    return response


# --------------------------------------------------------------------------- the students


@never_cache
@require_http_methods(["GET", "POST"])
def join_code(request: HttpRequest) -> HttpResponse:
    """``/join/``: the code, typed."""
    if request.method == "GET":
        return render(request, "web/classroom/join.html", {"code": ""})
    refused = limits.try_to_join(request)
    if refused is not None:
        return _refused(request, refused)
    code = codes.normalise_code(request.POST.get("code", ""))
    if service.open_class(code) is None:
        limits.missed(request)
        return render(
            request,
            "web/classroom/join.html",
            {"code": code, "error": _("No open class has this code. Check it and try again.")},
            status=404,
        )
    return redirect("web:class_join_code", code=code)


def _open_or_404(code: str) -> Classroom:
    classroom = service.open_class(codes.normalise_code(code))
    if classroom is None:
        raise Http404("no open class with this code")
    return classroom


@never_cache
@require_http_methods(["GET", "POST"])
def join_nickname(request: HttpRequest, code: str) -> HttpResponse:
    """``/join/<code>``: the nickname; then the student's own sandbox and page."""
    if request.method == "GET":
        shown = _open_or_404(code)
        if service.student_of(shown, sandboxes.current_learner(request)) is not None:
            return redirect("web:class_student", code=shown.code)
        return render(request, "web/classroom/nickname.html", {"classroom": shown})
    refused = limits.try_to_join(request)
    if refused is not None:
        return _refused(request, refused)
    classroom = service.open_class(codes.normalise_code(code))
    if classroom is None:
        limits.missed(request)
        raise Http404("no open class with this code")
    refused = limits.join_class(request, classroom.code)
    if refused is not None:
        return _refused(request, refused)
    nickname = request.POST.get("nickname", "")
    try:
        service.join(classroom, sandboxes.learner_id(request), nickname, limits.max_students())
    except (service.ClassError, codes.BadNickname) as error:
        reason = error.reason if isinstance(error, service.ClassError) else str(error)
        return render(
            request,
            "web/classroom/nickname.html",
            {
                "classroom": classroom,
                "nickname": nickname[: NICKNAME_MAX * 2],
                "error": REASONS[reason](),
            },
            status=400,
        )
    return redirect("web:class_student", code=classroom.code)


def _student_or_redirect(request: HttpRequest, code: str) -> Student | HttpResponse:
    """The learner's place in the class ``code`` (one query), else its join form or 404."""
    normalised = codes.normalise_code(code)
    learner = sandboxes.current_learner(request)
    student = (
        Student.objects.filter(classroom__code=normalised, learner=learner)
        .select_related("classroom")
        .order_by("-classroom__created")
        .first()
        if learner
        else None
    )
    if student is None or not student.classroom.is_open:
        # An ended class's code may come back for a new class: its students join that one.
        live = service.open_class(normalised)
        if live is not None:
            return redirect("web:class_join_code", code=normalised)
        if student is None:
            raise Http404("not in this class")
    return student


def _student_version(student: Student) -> tuple[str, ClassQuestion | None]:
    """What a student's page shows, as the version its poll sends back (``?v=``): the
    class's state and its current question, revealed or not; and that question."""
    question = service.current_question(student.classroom)
    return _version_of(student.classroom, question), question


def _version_of(classroom: Classroom, question: ClassQuestion | None) -> str:
    if question is None:
        return classroom.state
    return f"{classroom.state}.{question.pk}.{int(question.revealed)}"


def _student_context(
    student: Student, answered: tuple[ClassQuestion, str] | None = None
) -> dict[str, Any]:
    """What a student's page shows. ``answered``: the question and the choice this
    request has just recorded, so the page needs no second look at either."""
    if answered is not None:
        question: ClassQuestion | None = answered[0]
        version = _version_of(student.classroom, question)
        mine: str | None = answered[1]
    else:
        version, question = _student_version(student)
        found = service.my_answer(student, question) if question is not None else None
        mine = found.choice if found is not None else None
    shown = display.view(question, _language()) if question is not None else None
    return {
        "student": student,
        "classroom": student.classroom,
        "question": shown,
        "my_choice": shown.choice(mine) if shown is not None and mine is not None else None,
        "version": version,
        "poll_seconds": POLL_STUDENT_SECONDS,
    }


@never_cache
@require_GET
def student(request: HttpRequest, code: str) -> HttpResponse:
    found = _student_or_redirect(request, code)
    if isinstance(found, HttpResponse):
        return found
    return render(request, "web/classroom/student.html", _student_context(found))


@never_cache
@require_GET
def student_live(request: HtmxHttpRequest, code: str) -> HttpResponse:
    """A student's poll: 204 (nothing to swap) while the version is the page's, which
    costs two queries; the question's partial when it changed."""
    found = _student_or_redirect(request, code)
    if isinstance(found, HttpResponse):
        return found
    if not request.htmx:
        return redirect("web:class_student", code=found.classroom.code)
    if request.GET.get("v") == _student_version(found)[0]:
        return HttpResponse(status=204)
    return render(request, "web/classroom/student.html#live", _student_context(found))


@require_POST
def answer(request: HtmxHttpRequest, code: str) -> HttpResponse:
    found = _student_or_redirect(request, code)
    if isinstance(found, HttpResponse):
        return found
    error = ""
    choice = request.POST.get("choice", "")
    answered: tuple[ClassQuestion, str] | None = None
    try:
        asked = service.answer(found, int(request.POST.get("question", "0") or 0), choice)
        answered = (asked, choice)
    except ValueError:
        error = REASONS["unknown-question"]()
    except service.ClassError as refused:
        error = REASONS[refused.reason]()
    context = _student_context(found, answered)
    context["error"] = error
    if request.htmx:
        return render(request, "web/classroom/student.html#live", context)
    if error:
        return render(request, "web/classroom/student.html", context, status=400)
    return redirect("web:class_student", code=found.classroom.code)
