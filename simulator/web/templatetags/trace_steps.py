"""``{% trace_steps page.steps %}``: the trace page's step list, rendered in Python.

The print mode lists every step (1,000 on a long trace); through the template engine
each ``<li>`` cost a few hundred microseconds of lookups, filters and ``{% translate %}``.
This tag writes the same HTML as the loop it replaces (byte for byte): the fixed,
translated pieces are rendered once per request by the template engine itself, and each
step's sentence is still its partial in ``templates/web/tracing/steps.html``, rendered
once per distinct set of facts it reads (``_Sentences``). The audit events and the
repeated policy decisions are written here too, for the same reason.
"""

from __future__ import annotations

import html
from typing import Any

from django import template
from django.template.base import Template
from django.template.context import Context
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

register = template.Library()

_MARK = "\x00n\x00"
# The loop's fixed texts, in the learner's language: rendered by Django, so escaping and
# translation stay exactly the template's.
_FIXED = Template(
    "{% load i18n %}"
    "{% translate 'Show in the diagram' %}\x01"
    "{% blocktranslate trimmed with n=mark %}Link to step {{ n }}{% endblocktranslate %}\x01"
    "{% translate 'Keys at this step' %}\x01"
    "{% translate 'The policy decision' %}\x01"
    "{% translate 'Its audit event' %}"
)
_MISSING = "\x00missing"


class _Reading(dict[str, Any]):
    """A step's facts that note which of them its sentence's template reads."""

    def __init__(self, facts: dict[str, Any]) -> None:
        super().__init__(facts)
        self.read: dict[str, str] = {}

    def __getitem__(self, key: str) -> Any:
        try:
            value = super().__getitem__(key)
        except KeyError:
            self.read[key] = _MISSING
            raise
        self.read[key] = repr(value)
        return value


def _value(facts: dict[str, Any], key: str) -> str:
    return repr(facts[key]) if key in facts else _MISSING


class _Sentences:
    """Each step's sentence, rendered once per set of facts its template actually reads.

    A template reads the facts its branches lead it to, so rendering is a function of
    the facts read: a later step of the same kind and outcome with equal values for
    those facts gets the same sentence. A DeleteObjects of 500 keys renders "S3 deletes
    the object" once, though every step names another key.
    """

    def __init__(self, engine: Any, context: Context) -> None:
        self.engine = engine
        self.context = context
        self.templates: dict[str, Any] = {}
        # (template, kind, outcome) -> [(facts read, {their values: sentence})]
        self.shapes: dict[tuple[str, str, str], list[tuple[tuple[str, ...], dict[Any, str]]]] = {}

    def text(self, step: Any) -> str:
        name = step.template
        f = step.f
        shapes = self.shapes.setdefault((name, step.kind, step.outcome), [])
        for read, known in shapes:
            found = known.get(tuple(_value(f, k) for k in read))
            if found is not None:
                return found
        template = self.templates.get(name)
        if template is None:
            template = self.templates[name] = self.engine.get_template(name)
        reading = _Reading(f)
        with self.context.push(step=step, f=reading):
            text = template.render(self.context)
        keys = tuple(reading.read)
        texts = next((t for read, t in shapes if read == keys), None)
        if texts is None:
            texts = {}
            shapes.append((keys, texts))
        texts[tuple(reading.read.values())] = text
        return str(text)


def _escape(value: Any) -> str:
    """What ``{{ value }}`` writes: localized, then escaped unless already safe."""
    kind = type(value)
    if kind is str:
        # Django's escape() is html.escape() of the text; a plain str is never safe yet.
        return html.escape(value)
    if kind is int:
        return str(value)  # localize() of an int without thousand separators
    return conditional_escape(localize(value))


@register.simple_tag(takes_context=True)
def trace_steps(context: Context, steps: list[Any]) -> SafeString:
    """The ``<li>`` of every step, as the former ``{% for step in page.steps %}`` wrote."""
    assert context.template is not None
    engine = context.template.engine
    fixed = _FIXED.render(Context({"mark": _MARK})).split("\x01")
    show, link, keys_label, decision_label, event_label = fixed
    sentences = _Sentences(engine, context)
    escaped: dict[str, str] = {}

    def _e(value: Any) -> str:
        # A long trace repeats its labels, kinds and fingerprints: escape each once.
        if type(value) is str:
            done = escaped.get(value)
            if done is None:
                done = escaped[value] = html.escape(value)
            return done
        return _escape(value)

    out: list[str] = []
    for step in steps:
        text = sentences.text(step)
        n = _e(step.n)
        actor = _e(step.actor)
        failed = step.failed
        classes = actor + (" is-failed" if failed else "") + (" is-current" if step.current else "")
        parts = [
            f'\n      <li id="step-{n}" class="trace-step trace-step--{classes}"',
            ' aria-current="step"' if step.current else "",
            f' data-step="{n}">\n        <div class="trace-step__head">\n'
            f'          <a class="trace-step__num" href="?step={n}#diagram" hx-get="?step={n}"'
            f' title="{show}">{n}</a>\n'
            f'          <h3 class="trace-step__title">{_e(step.title)}</h3>\n'
            f'          <span class="trace-actor trace-actor--{actor}">{_e(step.actor_label)}</span>\n'
            "          ",
            f'<span class="trace-badge trace-badge--bad">{_e(step.outcome)}</span>'
            if failed
            else "",
            f'\n          <a class="trace-step__anchor" href="#step-{n}"'
            f' aria-label="{link.replace(_MARK, n)}">#</a>\n        </div>\n'
            f'        <p class="trace-step__text">{text}</p>\n        ',
        ]
        if step.keys:
            parts.append(f'<ul class="trace-keys" aria-label="{keys_label}">')
            for k in step.keys:
                parts.append(
                    f'<li class="trace-key trace-key--{_e(k.form)}">{_e(k.name)} '
                    f'<span class="trace-key__meta">{_e(k.holder_label)} · {_e(k.form_label)}'
                )
                if k.fingerprint:
                    parts.append(f" · <code>{_e(k.fingerprint)}</code>")
                parts.append("</span></li>")
            parts.append("</ul>")
        parts.append("\n        ")
        payload = step.payload
        if payload and payload.size:
            parts.append(
                f'<p class="trace-bytes">{_e(payload.form_label)} · {_e(payload.size_label)}'
            )
            if payload.preview:
                parts.append(f' <code class="trace-bytes__hex">{_e(payload.preview)}</code>')
            parts.append("</p>")
        parts.append("\n        ")
        if step.has_decision or step.has_event:
            parts.append('<p class="trace-step__more">')
            if step.has_decision:
                parts.append(f'<a href="#policy-{n}">{decision_label}</a>')
            if step.has_decision and step.has_event:
                parts.append(" · ")
            if step.has_event:
                parts.append(f'<a href="#event-{n}">{event_label}</a>')
            parts.append("</p>")
        parts.append("\n      </li>\n      ")
        out.append("".join(parts))
    return mark_safe("".join(out))


# The audit-events section: a ``<details>`` per event, as the template loop wrote it.
_EVENT_FIXED = Template(
    "{% load i18n %}"
    "{% blocktranslate trimmed with n=mark title=mark2 %}step {{ n }}: {{ title }}"
    "{% endblocktranslate %}"
)
_MARK2 = "\x00t\x00"


@register.simple_tag
def trace_events(events: list[Any]) -> SafeString:
    """Every listed step's CloudTrail event (``page.events``), collapsed to one line."""
    label = _EVENT_FIXED.render(Context({"mark": _MARK, "mark2": _MARK2}))
    out = []
    for e in events:
        n = _escape(e.step)
        where = label.replace(_MARK, n).replace(_MARK2, _escape(e.title))
        out.append(
            f'\n    <details id="event-{n}" class="trace-event">\n'
            f"      <summary><code>{_escape(e.name)}</code> · {_escape(e.source)} · "
            f'<span class="trace-event__step">{where}</span></summary>\n'
            f'      <pre class="trace-json"><code>{_escape(e.text)}</code></pre>\n'
            "    </details>"
        )
    return mark_safe("".join(out) + "\n    ")


@register.simple_tag
def same_decisions(group: Any) -> SafeString:
    """The later steps of a decision group, each a link target ``#policy-N``."""
    same = group.same
    if not same:
        return mark_safe("")
    first = group.view.resource
    differ = any(s.resource != first for s in same)
    count = len(same)
    if differ:
        intro = ngettext(
            "One later step was decided exactly the same way, for its own resource:",
            "%(n)s later steps were decided exactly the same way, each for its own resource:",
            count,
        )
    else:
        intro = ngettext(
            "One later step was decided exactly the same way:",
            "%(n)s later steps were decided exactly the same way:",
            count,
        )
    step_label = gettext("Step %(n)s")
    out = [
        f'<div class="trace-same">\n        <p class="trace-same__intro">'
        f'{_escape(intro % {"n": count})}</p>\n        <ol class="trace-same__list">'
    ]
    for s in same:
        n = _escape(s.step)
        resource = f" <code>{_escape(s.resource)}</code>" if differ and s.resource else ""
        out.append(
            f'<li id="policy-{n}"><a href="#step-{n}">{_escape(step_label % {"n": s.step})}</a>'
            f"{resource}</li>"
        )
    out.append("</ol>\n      </div>")
    return mark_safe("".join(out))
