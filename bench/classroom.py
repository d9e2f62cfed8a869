"""A class at once against the served lab: 200 students join within a minute and answer
10 questions while the teacher's dashboard polls.

    .venv/bin/python bench/classroom.py            # SQLite, as the README's run command serves
    .venv/bin/python bench/classroom.py --quick    # a smoke run: 20 students, 3 questions
    .venv/bin/python bench/classroom.py --postgres postgres://lab:lab@127.0.0.1:55432/lab
                                                   # the same on SQLite, then on PostgreSQL
    .venv/bin/python bench/classroom.py --postgres URL --skip-sqlite    # PostgreSQL only

The server is started as ``bench/load.py`` starts it (``bench/load_server.py``): the
README's ``bash scripts/run.sh`` on throwaway state, an SQLite file in a temporary folder
or, with ``--postgres URL``, a database ``test_<name>_load`` created and dropped on that
server with the class settings of the README (``WEB_CONCURRENCY`` = cores + 1,
``CONN_MAX_AGE=60``).

On each server, after an uncounted warm-up (a class of one per worker), two runs:

1. the baseline: one student alone in a class, joining and answering ``--questions`` (10)
   questions, the teacher's view polling;
2. the class: ``--students`` (200) join at random moments within ``--join-seconds`` (60),
   each with a browser of their own (connection, cookies, session, sandbox), all from the
   one address 127.0.0.1 (a school behind NAT: the join and rate limits apply as they
   would). Then the teacher asks ``--questions`` questions from the quiz bank, one after
   the other; each student's page polls as ``student.html`` does (every 3 s, ``?v=``, 204
   while nothing changed), answers 1-6 s after seeing the question (a person reading it
   on a phone), and the teacher reveals once every student has answered (or after
   ``--question-seconds``, 30). The teacher's dashboard polls every second throughout,
   as ``teacher.html`` does.

It prints, for the baseline and the class side by side: requests, errors and p50/p95/p99
(ms, from sending a request to the last byte of its answer) per kind: the join (the
nickname's POST, which builds the student's sandbox), an answer, a student's poll, the
teacher's poll; and the teacher's aggregate staleness: for each answer, the time from
its acknowledgement to the first teacher's poll whose count includes it (a 204 confirms
the count the teacher holds). Goal (issue 12): 0 errors, p95 <= 300 ms for a join and an
answer, staleness <= 2 s (p95 and max are printed). Exit status 1 if a goal is missed.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import re
import signal
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from urllib.parse import urlencode

from load import percentile
from load_learner import Browser, Reply, Stats
from load_server import Database, Server, SQLite, throwaway_postgres

GOAL_MS = 300.0
GOAL_STALENESS_S = 2.0
CLASS_WORKERS = (os.cpu_count() or 1) + 1
CONN_MAX_AGE = "60"
TEACHER_POLL_S = 1.0
STUDENT_POLL_S = 3.0  # student.html's hx-trigger, read from the page when it says
SCENARIO = "lesson-sse-s3"
# Single-answer bank questions, one per domain first (the class's picker offers these).
QUESTIONS = (
    "sse-s3-001",
    "sse-kms-001",
    "sse-c-001",
    "cse-001",
    "headers-001",
    "bucket-policies-001",
    "default-encryption-001",
    "transit-vs-rest-001",
    "where-and-who-001",
    "dsse-kms-001",
    "key-lifecycle-001",
    "changes-001",
)
KINDS = ("join", "answer", "student poll", "teacher poll")
HX = {"HX-Request": "true"}

_LINK = re.compile(r'value="http://[^"/]+(/class/t/[A-Za-z0-9_-]+/)"')
_CODE = re.compile(r'data-testid="join-code" translate="no">([A-Z0-9]{6})<')
_ANSWERED = re.compile(r'data-testid="answered">(\d+) of (\d+) have answered')
_QUESTION = re.compile(r'data-question="(\d+)"')
_VERSION = re.compile(r'data-version="([^"]*)"')
_OPEN_QUESTION = re.compile(r'name="question" value="(\d+)"')
_CHOICE = re.compile(r'name="choice" value="([^"]+)"')
_EVERY = re.compile(r'hx-trigger="every (\d+(?:\.\d+)?)s"')


# --------------------------------------------------------------------------- measuring


@dataclass
class ClassStats(Stats):  # type: ignore[misc]  # bench modules import by bare name
    """``bench/load.py``'s times and errors per kind, and what the staleness needs."""

    # (question, acknowledged at): each answer's moment, for the staleness.
    acks: list[tuple[int, float]] = field(default_factory=list)
    # (question, seen at, count): each teacher's poll's count, with a 204 as the last count.
    seen: list[tuple[int, float, int]] = field(default_factory=list)

    def record(self, kind: str, reply: Reply, ok: bool, why: str = "") -> None:
        self.add(kind, reply.ms, "" if ok else (why or reply.failure or str(reply.status)))

    def staleness(self) -> list[float]:
        """Seconds from each answer's acknowledgement to the teacher's first poll that
        counted it (answers of a question are counted in the order acknowledged)."""
        out: list[float] = []
        by_question: dict[int, list[float]] = {}
        for question, at in self.acks:
            by_question.setdefault(question, []).append(at)
        for question, acks in by_question.items():
            polls = sorted((at, count) for q, at, count in self.seen if q == question)
            for k, acked in enumerate(sorted(acks), start=1):
                first = next((at for at, count in polls if count >= k and at >= acked), None)
                out.append(math.inf if first is None else first - acked)
        return out


def form_headers(browser: Browser, htmx: bool = False) -> dict[str, str]:
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-CSRFToken": browser.token,
    }
    return {**headers, **(HX if htmx else {})}


def post(browser: Browser, path: str, fields: dict[str, str], htmx: bool = False) -> Reply:
    return browser.request("POST", path, urlencode(fields).encode(), form_headers(browser, htmx))


# --------------------------------------------------------------------------- the teacher


class Teacher:
    def __init__(self, server: Server, stats: ClassStats, timeout: float) -> None:
        self.browser = Browser(server.host, server.port, timeout)
        # The dashboard's polling has a connection of its own, as a browser's parallel
        # requests do (a Browser is one connection, used by one thread).
        self.poller = Browser(server.host, server.port, timeout)
        self.stats = stats
        self.link = ""
        self.code = ""
        self.question = 0  # the question asked last
        # What the polled panel shows: (question, answers counted); its data-version.
        self.shown: tuple[int, int] | None = None
        self.version = ""
        self.stop = threading.Event()

    def start_class(self, title: str) -> None:
        self.browser.request("GET", "/class/")
        made = post(self.browser, "/class/", {"title": title, "scenario": SCENARIO})
        found = _LINK.search(made.text)
        if made.status != 200 or found is None:
            raise RuntimeError(f"the class did not start: {made.status} {made.text[:300]}")
        self.link = found.group(1)
        page = self.browser.request("GET", self.link)
        code = _CODE.search(page.text)
        if code is None:
            raise RuntimeError("the dashboard shows no join code")
        self.code = code.group(1)

    def ask(self, ref: str) -> None:
        asked = post(self.browser, self.link + "ask/", {"kind": "bank", "ref": ref})
        if asked.status != 302 or "error=" in asked.header("Location"):
            raise RuntimeError(f"asking {ref} failed: {asked.status} {asked.header('Location')}")
        page = self.browser.request("GET", self.link)
        found = _QUESTION.search(page.text)
        if found is None:
            raise RuntimeError("the dashboard shows no question")
        self.question = int(found.group(1))

    def reveal(self) -> None:
        revealed = post(self.browser, self.link + "reveal/", {"question": str(self.question)})
        if revealed.status != 302:
            raise RuntimeError(f"the reveal failed: {revealed.status}")

    def end(self) -> None:
        post(self.browser, self.link + "end/", {})

    def _read(self, reply: Reply) -> None:
        """The question and count the dashboard shows in ``reply`` (the poller's own)."""
        version = _VERSION.search(reply.text)
        if version is not None:
            self.version = version.group(1)
        question = _QUESTION.search(reply.text)
        answered = _ANSWERED.search(reply.text)
        if question is not None and answered is not None:
            self.shown = (int(question.group(1)), int(answered.group(1)))

    def poll_forever(self) -> None:
        """The dashboard's live panel, every second, as htmx polls it. A 204 says the
        panel is as the last answer showed it: that count is still current."""
        while not self.stop.is_set():
            began = time.monotonic()
            path = f"{self.link}live/?{urlencode({'v': self.version})}"
            reply = self.poller.request("GET", path, headers=HX)
            ok = reply.status in (200, 204)
            self.stats.record("teacher poll", reply, ok)
            if reply.status == 200:
                self._read(reply)
            if ok and self.shown is not None:
                with self.stats.lock:
                    self.stats.seen.append((*self.shown[:1], time.monotonic(), self.shown[1]))
            self.stop.wait(max(0.0, TEACHER_POLL_S - (time.monotonic() - began)))


# --------------------------------------------------------------------------- a student


class Student(threading.Thread):
    def __init__(
        self,
        number: int,
        server: Server,
        code: str,
        stats: ClassStats,
        join_at: float,
        stop: threading.Event,
        rng: random.Random,
        timeout: float,
    ) -> None:
        super().__init__(daemon=True)
        self.number = number
        self.browser = Browser(server.host, server.port, timeout)
        self.code = code
        self.stats = stats
        self.join_at = join_at
        self.stop = stop
        self.rng = rng
        self.joined = threading.Event()
        self.answered: set[int] = set()
        self.version = ""  # the page's data-version, sent as ?v= (204 while unchanged)
        self.poll_s = STUDENT_POLL_S
        self._page = ""

    def run(self) -> None:
        try:
            if self.stop.wait(max(0.0, self.join_at - time.monotonic())):
                return
            if not self._join():
                return
            self.joined.set()
            self._follow()
        finally:
            self.browser.close()

    def _join(self) -> bool:
        form_page = self.browser.request("GET", f"/join/{self.code}")
        if form_page.status != 200:
            self.stats.record("join", form_page, False, f"the nickname form: {form_page.status}")
            return False
        reply = post(self.browser, f"/join/{self.code}", {"nickname": f"student {self.number}"})
        ok = reply.status == 302 and reply.header("Location") == f"/class/{self.code}/"
        self.stats.record("join", reply, ok, "" if ok else f"{reply.status} {reply.text[:80]}")
        if not ok:
            return False
        page = self.browser.request("GET", f"/class/{self.code}/")
        found = _VERSION.search(page.text)
        self.version = found.group(1) if found is not None else ""
        every = _EVERY.search(page.text)
        self.poll_s = float(every.group(1)) if every is not None else STUDENT_POLL_S
        self._page = page.text
        return bool(page.status == 200)

    def _follow(self) -> None:
        """Poll as the page does; answer each new question once, after reading it."""
        while not self.stop.is_set():
            self._maybe_answer(self._page)
            if self.stop.wait(self.poll_s):
                return
            path = f"/class/{self.code}/live/?{urlencode({'v': self.version})}"
            reply = self.browser.request("GET", path, headers=HX)
            self.stats.record("student poll", reply, reply.status in (200, 204))
            if reply.status == 200:
                self._page = reply.text
                found = _VERSION.search(reply.text)
                if found is not None:
                    self.version = found.group(1)

    def _maybe_answer(self, page: str) -> None:
        question = _OPEN_QUESTION.search(page)
        if question is None or int(question.group(1)) in self.answered:
            return
        number = int(question.group(1))
        choices = _CHOICE.findall(page)
        if self.stop.wait(self.rng.uniform(1.0, 6.0)):  # reading the question
            return
        fields = {"question": str(number), "choice": self.rng.choice(choices)}
        reply = post(self.browser, f"/class/{self.code}/answer/", fields, htmx=True)
        refused = "lab-error" in reply.text
        if refused and "revealed" in reply.text:
            self.answered.add(number)  # too late for this one: the teacher moved on
            self.stats.record("answer (after the reveal)", reply, True)
            return
        ok = reply.status == 200 and not refused and "Your answer:" in reply.text
        self.stats.record("answer", reply, ok, "" if ok else f"{reply.status} {reply.text[:120]}")
        if ok:
            with self.stats.lock:
                self.stats.acks.append((number, time.monotonic()))
            self.answered.add(number)
            self._page = reply.text


# --------------------------------------------------------------------------- one run


@dataclass
class Phase:
    students: int
    questions: int
    stats: ClassStats
    wall: float
    joined: int


def run_class(
    server: Server, students: int, args: argparse.Namespace, stop: threading.Event, seed: int
) -> Phase:
    stats = ClassStats()
    teacher = Teacher(server, stats, args.timeout)
    teacher.start_class(f"Bench {students}")
    poller = threading.Thread(target=teacher.poll_forever, daemon=True)
    poller.start()
    began = time.monotonic()
    window = args.join_seconds if students > 1 else 0.0
    rng = random.Random(seed)
    everyone = [
        Student(n, server, teacher.code, stats, began + rng.uniform(0, window), stop,
                random.Random(seed * 1000 + n), args.timeout)
        for n in range(students)
    ]  # fmt: skip
    for student in everyone:
        student.start()
    deadline = began + window + args.timeout
    for student in everyone:
        student.joined.wait(max(0.0, deadline - time.monotonic()))
    joined = sum(s.joined.is_set() for s in everyone)
    asked = 0
    try:
        for ref in QUESTIONS[: args.questions]:
            if stop.is_set():
                break
            teacher.ask(ref)
            asked += 1
            until = time.monotonic() + args.question_seconds
            while time.monotonic() < until and not stop.is_set():
                with stats.lock:
                    done = sum(1 for q, _ in stats.acks if q == teacher.question)
                if done >= joined:
                    break
                time.sleep(0.2)
            # Let the dashboard's next poll show the last answers before the reveal.
            time.sleep(TEACHER_POLL_S + 0.5)
            teacher.reveal()
    finally:
        teacher.end()
        halt = threading.Event()
        for student in everyone:
            student.stop = halt
        halt.set()
        teacher.stop.set()
        poller.join(timeout=10)
        for student in everyone:
            student.join(timeout=args.timeout)
        teacher.browser.close()
        teacher.poller.close()
    return Phase(students, asked, stats, time.monotonic() - began, joined)


def _cells(times: list[float], errors: int) -> str:
    if not times:
        return f"{'-':>6} {'':>6} {'':>6} {'':>6} {'':>6}"
    p50, p95, p99 = (percentile(times, q) for q in (50, 95, 99))
    return f"{len(times):>6} {errors:>6} {p50:>6.0f} {p95:>6.0f} {p99:>6.0f}"


def report(label: str, how: str, baseline: Phase, load: Phase) -> None:
    print(f"\n== {label} ({how})")
    print(
        f"baseline: 1 student, {baseline.questions} questions, {baseline.wall:.0f} s; "
        f"class: {load.joined} of {load.students} students joined, {load.questions} "
        f"questions, {load.wall:.0f} s"
    )
    head = f"{'n':>6} {'errors':>6} {'p50':>6} {'p95':>6} {'p99':>6}"
    print(f"{'kind (ms)':<28}{head}   |{head}")
    kinds = [*KINDS, *sorted(set(load.stats.times_ms) - set(KINDS))]
    for kind in kinds:
        base = _cells(baseline.stats.times_ms.get(kind, []), baseline.stats.errors.get(kind, 0))
        many = _cells(load.stats.times_ms.get(kind, []), load.stats.errors.get(kind, 0))
        print(f"{kind:<28}{base}   |{many}")
    for name, phase in (("baseline", baseline), ("class", load)):
        stale = phase.stats.staleness()
        print(
            f"teacher's aggregate staleness, {name}: {len(stale)} answers, p50 "
            f"{percentile(stale, 50):.2f} s, p95 {percentile(stale, 95):.2f} s, max "
            f"{max(stale, default=math.nan):.2f} s"
        )
    for phase in (baseline, load):
        for said, n in sorted(phase.stats.samples.items(), key=lambda item: -item[1])[:10]:
            print(f"  {n} x {said}")


@dataclass
class Run:
    label: str
    baseline: Phase | None
    load: Phase | None

    def verdicts(self) -> list[tuple[str, bool]]:
        if self.load is None or self.baseline is None:
            return [("ran", False)]
        stats = self.load.stats
        stale = stats.staleness()
        return [
            ("0 errors", stats.error_count == 0 and self.baseline.stats.error_count == 0),
            ("everyone joined", self.load.joined == self.load.students),
            (f"join p95 <= {GOAL_MS:.0f} ms", percentile(stats.times_ms.get("join", []), 95) <= GOAL_MS),
            (f"answer p95 <= {GOAL_MS:.0f} ms", percentile(stats.times_ms.get("answer", []), 95) <= GOAL_MS),
            (f"staleness max <= {GOAL_STALENESS_S:.0f} s", bool(stale) and max(stale) <= GOAL_STALENESS_S),
        ]  # fmt: skip


def run_on(
    label: str,
    database: Database,
    workdir: Path,
    env: dict[str, str],
    args: argparse.Namespace,
    stop: threading.Event,
) -> Run:
    server = Server(database, workdir, env)
    print(f"\n{label}: starting the server on 127.0.0.1:{server.port} ...", flush=True)
    try:
        try:
            server.start()
        except RuntimeError as error:
            print(f"{label}: {error}")
            return Run(label, None, None)
        workers = max(1, server.workers())
        how = (
            f"{server.how}; "
            + (", ".join(f"{k}={v}" for k, v in env.items()) or "run.sh's defaults")
            + f"; {workers} workers"
        )
        quick = argparse.Namespace(**{**vars(args), "questions": 1, "join_seconds": 0.0})
        print(f"{label}: warming up ({workers} classes of one, not counted) ...", flush=True)
        warm = [threading.Thread(target=run_class, args=(server, 1, quick, stop, 900 + n)) for n in range(workers)]  # fmt: skip
        for thread in warm:
            thread.start()
        for thread in warm:
            thread.join()
        print(f"{label}: 1 student, {args.questions} questions ...", flush=True)
        baseline = run_class(server, 1, args, stop, args.seed)
        print(
            f"{label}: {args.students} students joining within {args.join_seconds:.0f} s, "
            f"{args.questions} questions ...",
            flush=True,
        )
        load = run_class(server, args.students, args, stop, args.seed + 1)
        report(label, how, baseline, load)
        errors = server.error_summary()
        if errors:
            print("server log:")
            for n, line in errors:
                print(f"  {n} x {line}")
        return Run(label, baseline, load)
    finally:
        server.stop()


def summary(runs: list[Run]) -> None:
    print("\n== goals (issue 12)")
    for run in runs:
        said = ", ".join(f"{name}: {'ok' if ok else 'MISSED'}" for name, ok in run.verdicts())
        print(f"{run.label}: {said}")


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: 20 students, 3 questions")
    parser.add_argument("--students", type=int, help="students in the class (200)")
    parser.add_argument("--questions", type=int, help="questions asked (10)")
    parser.add_argument("--join-seconds", type=float, help="everyone joins within (60 s)")
    parser.add_argument(
        "--question-seconds", type=float, default=30.0, help="longest wait for the answers (30 s)"
    )
    parser.add_argument(
        "--postgres", metavar="URL", help="also run on PostgreSQL (a role with CREATEDB)"
    )
    parser.add_argument(
        "--skip-sqlite", action="store_true", help="with --postgres: PostgreSQL only"
    )
    parser.add_argument("--workers", type=int, help="WEB_CONCURRENCY for SQLite (run.sh's own)")
    parser.add_argument(
        "--pg-workers",
        type=int,
        default=CLASS_WORKERS,
        help=f"WEB_CONCURRENCY for PostgreSQL ({CLASS_WORKERS})",
    )
    parser.add_argument(
        "--timeout", type=float, default=30.0, help="a request's longest wait (30 s)"
    )
    parser.add_argument("--seed", type=int, default=12, help="the students' random choices")
    args = parser.parse_args()
    args.students = args.students or (20 if args.quick else 200)
    args.questions = args.questions or (3 if args.quick else 10)
    args.join_seconds = (
        args.join_seconds if args.join_seconds is not None else (10.0 if args.quick else 60.0)
    )
    if args.skip_sqlite and not args.postgres:
        parser.error("--skip-sqlite needs --postgres URL")
    if not 1 <= args.questions <= len(QUESTIONS):
        parser.error(f"--questions runs from 1 to {len(QUESTIONS)}")
    return args  # fmt: skip


def main() -> int:
    args = parse()
    stop = threading.Event()

    def interrupted(signum: int, frame: FrameType | None) -> None:
        stop.set()
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    one, five, fifteen = os.getloadavg()
    print(
        f"bench/classroom.py: {args.students} students join within {args.join_seconds:.0f} s "
        f"and answer {args.questions} questions, beside 1 student alone\nmachine: "
        f"{os.cpu_count()} cores, load average {one:.2f} / {five:.2f} / {fifteen:.2f} at the start"
    )
    runs: list[Run] = []
    try:
        if not args.skip_sqlite:
            with tempfile.TemporaryDirectory(prefix="bench-class-") as tmp:
                env = {"WEB_CONCURRENCY": str(args.workers)} if args.workers else {}
                runs.append(
                    run_on("SQLite", SQLite(Path(tmp) / "lab.sqlite3"), Path(tmp), env, args, stop)
                )
        if args.postgres:
            with (
                tempfile.TemporaryDirectory(prefix="bench-class-") as tmp,
                throwaway_postgres(args.postgres) as database,
            ):
                env = {"WEB_CONCURRENCY": str(args.pg_workers), "CONN_MAX_AGE": CONN_MAX_AGE}
                runs.append(run_on("PostgreSQL", database, Path(tmp), env, args, stop))
    except KeyboardInterrupt:
        stop.set()
        print("\ninterrupted; the server was stopped")
        return 1
    summary(runs)
    return 0 if all(ok for run in runs for _, ok in run.verdicts()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
