"""Small builders for the class's tests: a teacher with a class, students who join."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.test import Client

SCENARIO = "lesson-sse-s3"


@dataclass
class Teacher:
    client: Client
    link: str  # /class/t/<secret>/
    code: str

    def ask(self, kind: str, ref: str) -> None:
        response = self.client.post(self.link + "ask/", {"kind": kind, "ref": ref})
        assert response.status_code == 302, response.content[:500]
        assert "error=" not in response["Location"], response["Location"]

    def reveal(self, question: int) -> None:
        response = self.client.post(self.link + "reveal/", {"question": str(question)})
        assert response.status_code == 302

    def page(self) -> str:
        return self.client.get(self.link).content.decode()


def start_class(title: str = "Encryption at rest", scenario: str = SCENARIO) -> Teacher:
    client = Client()
    response = client.post("/class/", {"title": title, "scenario": scenario})
    assert response.status_code == 200, response.content[:500]
    found = re.search(
        r'value="http://testserver(/class/t/[A-Za-z0-9_-]+/)"', response.content.decode()
    )
    assert found is not None
    link = found.group(1)
    page = client.get(link).content.decode()
    code = re.search(r'data-testid="join-code" translate="no">([A-Z0-9]{6})<', page)
    assert code is not None
    return Teacher(client, link, code.group(1))


def join(code: str, nickname: str, client: Client | None = None) -> Client:
    client = client or Client()
    response = client.post(f"/join/{code}", {"nickname": nickname})
    assert response.status_code == 302, response.content[:800]
    assert response["Location"] == f"/class/{code}/"
    return client


def answer(client: Client, code: str, question: int, choice: str) -> int:
    response = client.post(f"/class/{code}/answer/", {"question": str(question), "choice": choice})
    return int(response.status_code)
