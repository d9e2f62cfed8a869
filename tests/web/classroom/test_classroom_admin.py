"""The optional admin for the site's host: classes listed with their numbers, a class
ended, a lost teacher link replaced (the old one dead at once, the new one shown once),
and nothing for anyone who is not signed in as staff."""

from __future__ import annotations

import re

import pytest
from class_kit import join, start_class
from django.contrib.auth import get_user_model
from django.test import Client

from simulator.web.classroom.models import Classroom

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/web/classroom/"


@pytest.fixture
def host() -> Client:
    user = get_user_model().objects.create_superuser("host", "host@example.invalid", "pw-123456")
    client = Client()
    client.force_login(user)
    return client


def test_the_host_sees_every_class_with_its_students_and_no_secret(host: Client) -> None:
    teacher = start_class("Monday class")
    join(teacher.code, "amy")
    join(teacher.code, "ben")
    page = host.get(CHANGELIST)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Monday class" in text and teacher.code in text
    assert re.search(r'class="field-students">2<', text), text
    classroom = Classroom.objects.get(code=teacher.code)
    detail = host.get(f"{CHANGELIST}{classroom.pk}/change/").content.decode()
    assert classroom.secret_hash not in detail and classroom.secret_hash not in text


def test_a_new_teacher_link_replaces_the_lost_one_and_is_shown_once(host: Client) -> None:
    teacher = start_class()
    classroom = Classroom.objects.get(code=teacher.code)
    assert teacher.client.get(teacher.link).status_code == 200
    response = host.post(
        CHANGELIST, {"action": "new_teacher_links", "_selected_action": [str(classroom.pk)]}
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    found = re.search(
        r'data-testid="teacher-link">http://testserver(/class/t/[^<]+/)<', response.content.decode()
    )
    assert found is not None
    new_link = found.group(1)
    assert Client().get(teacher.link).status_code == 404  # the lost link is dead
    assert Client().get(new_link).status_code == 200
    # Never kept in a message (a cookie) nor shown again.
    assert new_link not in host.get(CHANGELIST).content.decode()
    assert not any(new_link in c.value for c in response.cookies.values())


def test_the_host_ends_a_class_left_open(host: Client) -> None:
    teacher = start_class()
    classroom = Classroom.objects.get(code=teacher.code)
    host.post(CHANGELIST, {"action": "end_classes", "_selected_action": [str(classroom.pk)]})
    classroom.refresh_from_db()
    assert classroom.state == "ended" and classroom.ended_at is not None


def test_without_a_staff_sign_in_the_admin_shows_nothing() -> None:
    teacher = start_class()
    anonymous = Client()
    response = anonymous.get(CHANGELIST)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    # A learner's session (a student of the class) is no sign-in either.
    student = join(teacher.code, "amy")
    assert student.get(CHANGELIST).status_code == 302
    assert teacher.client.get(CHANGELIST).status_code == 302
    assert anonymous.get("/admin/web/classroom/add/").status_code == 302
