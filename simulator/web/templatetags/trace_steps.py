"""``{% trace_steps page.steps %}``: the trace page's step list, rendered in Python.

The print mode lists every step (1,000 on a long trace); through the template engine
each ``<li>`` cost a few hundred microseconds of lookups, filters and ``{% translate %}``.
This tag writes the same HTML as the loop it replaces (byte for byte): the fixed,
translated pieces are rendered once per request by the template engine itself, and each
step's sentence is still its partial in ``templates/web/tracing/steps.html``, rendered
once per distinct set of facts it reads.
"""

from __future__ import annotations

import re
from typing import Any

from django import template
from django.template.base import Template
from django.template.context import Context
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

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
_PARTIAL = re.compile(r"{% partialdef ([\w-]+) %}(.*?){% endpartialdef %}", re.S)
_FACT = re.compile(r"\bf\.(\w+)")


def _fact_names(engine: Any, name: str) -> dict[str, tuple[str, ...]]:
    """The facts (``f.x``) each sentence partial reads, from the template's source."""
    source = engine.get_template(name).source
    return {m[1]: tuple(sorted(set(_FACT.findall(m[2])))) for m in _PARTIAL.finditer(source)}


def _e(value: Any) -> str:
    return conditional_escape(localize(value))


@register.simple_tag(takes_context=True)
def trace_steps(context: Context, steps: list[Any]) -> SafeString:
    """The ``<li>`` of every step, as the former ``{% for step in page.steps %}`` wrote."""
    assert context.template is not None
    engine = context.template.engine
    fixed = _FIXED.render(Context({"mark": _MARK})).split("\x01")
    show, link, keys_label, decision_label, event_label = fixed
    partials: dict[str, Any] = {}
    facts_read: dict[str, dict[str, tuple[str, ...]]] = {}
    sentences: dict[tuple[Any, ...], str] = {}
    out: list[str] = []
    for step in steps:
        name = step.template
        base, _, partial = name.partition("#")
        if base not in facts_read:
            facts_read[base] = _fact_names(engine, base)
        read = facts_read[base].get(partial)
        f = step.f
        facts = (
            tuple((k, repr(f.get(k)), k in f) for k in read)
            if read is not None
            else tuple((k, repr(v)) for k, v in f.items())
        )
        key = (name, step.kind, step.outcome, facts)
        text = sentences.get(key)
        if text is None:
            tmpl = partials.get(name)
            if tmpl is None:
                tmpl = partials[name] = engine.get_template(name)
            with context.push(step=step, f=f):
                text = sentences[key] = tmpl.render(context)
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
