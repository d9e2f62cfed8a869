"""The stylesheets: one file per cascade layer (tokens, base, layout, components,
pages), each small enough to read, all linked by base.html in the layers' order, and one
component vocabulary (one button, one badge, one card) in the templates."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CSS = ROOT / "static" / "css"
LAYERS = ["tokens", "base", "layout", "components", "pages"]
STYLESHEETS = sorted(CSS.rglob("*.css"))


def layer_of(path: Path) -> str:
    relative = path.relative_to(CSS)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def test_tokens_declare_the_layer_order_first() -> None:
    tokens = (CSS / "tokens.css").read_text("utf-8")

    assert f"@layer {', '.join(LAYERS)};" in tokens
    # The design tokens stay documented: the type scale, the spacing, light and dark.
    for documented in ("--step--1", "--space-8", "--color-accent", "#7ab8ff"):
        assert documented in tokens.split("*/", 1)[0], documented


def test_every_rule_is_in_its_files_layer_and_no_file_is_long() -> None:
    assert len(STYLESHEETS) >= 6
    for path in STYLESHEETS:
        text = path.read_text("utf-8")
        assert len(text.splitlines()) <= 600, path.name
        without_comments = re.sub(r"/\*.*?\*/", "", text, flags=re.S).strip()
        if path.name == "tokens.css":
            without_comments = without_comments.replace(f"@layer {', '.join(LAYERS)};", "")
        # Its layer's block first; any other block is one of the declared layers.
        assert without_comments.strip().startswith(f"@layer {layer_of(path)} {{"), path.name
        assert set(re.findall(r"@layer (\w+) \{", without_comments)) <= set(LAYERS), path.name


def test_base_html_links_every_stylesheet_once_in_layer_order() -> None:
    base = (ROOT / "templates" / "base.html").read_text("utf-8")

    linked = re.findall(r"<link rel=\"stylesheet\" href=\"\{% static 'css/([^']+)' %\}\">", base)
    assert sorted(linked) == sorted(str(p.relative_to(CSS)) for p in STYLESHEETS)
    order = [LAYERS.index(layer_of(CSS / name)) for name in linked]
    assert order == sorted(order)


def test_templates_use_one_button_one_badge_one_card() -> None:
    templates = list((ROOT / "templates").rglob("*.html"))
    # The KMS console's own kd- prefix is gone: its pages speak the lab's vocabulary.
    retired = re.compile(r"\b(lab-button-\w+|lab-badge\S*|lab-card\b|kd-\S+)")
    found = {
        f"{path.relative_to(ROOT)}: {match}"
        for path in templates
        for attribute in re.findall(r'class="([^"]*)"', path.read_text("utf-8"))
        for match in retired.findall(attribute)
    }
    assert found == set()
    css = "\n".join(p.read_text("utf-8") for p in STYLESHEETS)
    for component in ("button", "badge", "card"):
        # One rule that starts the component (at the top of its layer), in components.css.
        assert len(re.findall(rf"^  \.{component} \{{", css, flags=re.M)) == 1, component


# The trace pages' former copies of the lab's components, now the components themselves.
TRACE_DUPLICATES = {
    "trace-button": "button button--small (--quiet)",
    "trace-badge": "badge badge--pill",
    "trace-status": "badge badge--pill badge--status",
    "trace-table": "lab-table",
    "trace-table-wrap": "lab-table-wrap",
    "trace-error": "lab-error",
    "trace-json": "lab-code",
    "trace-code": "lab-code",
    "trace-section": "lab-section",
    "trace-http": "headers",
    "trace-actor": "badge badge--tag badge--quiet",
}
# Trace classes that lay out a card: each stays on its page, always beside .card.
TRACE_CARDS = ("trace-panel", "trace-answer", "trace-step", "trace-decision", "trace-event")


def test_the_trace_pages_have_no_second_component_vocabulary() -> None:
    tracing = sorted((ROOT / "templates" / "web" / "tracing").glob("*.html"))
    assert tracing
    classes = [
        (path.name, attribute.split())
        for path in tracing
        for attribute in re.findall(r'class="([^"]*)"', path.read_text("utf-8"))
    ]
    duplicated = {
        f"{name}: {word} (use {TRACE_DUPLICATES[word.split('--')[0]]})"
        for name, words in classes
        for word in words
        if word.split("--")[0] in TRACE_DUPLICATES
    }
    assert duplicated == set()
    for name, words in classes:
        if any(word in TRACE_CARDS for word in words):
            assert "card" in words, (name, words)
    # Nor does a stylesheet style them: the component's rule is the only one.
    css = re.sub(r"/\*.*?\*/", "", "\n".join(p.read_text("utf-8") for p in STYLESHEETS), flags=re.S)
    styled = {
        m for m in re.findall(r"\.(trace-[\w-]+)", css) if m.split("--")[0] in TRACE_DUPLICATES
    }
    assert styled == set()
    # A trace card sets its layout, stripe or spacing, never the card's own surface again.
    for path in CSS.glob("pages/trace*.css"):
        for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", path.read_text("utf-8")):
            if re.search(rf"\.({'|'.join(TRACE_CARDS)})\s*(,|$)", selector.strip()):
                assert "box-shadow: var(--shadow)" not in body, selector
                assert "background: var(--color-surface);" not in body, selector


def _selectors(path: Path) -> list[str]:
    """Every selector of every rule in ``path`` (at-rule heads left out)."""
    text = re.sub(r"/\*.*?\*/", "", path.read_text("utf-8"), flags=re.S)
    heads = [head.strip() for head in re.findall(r"([^{}]+)\{", text)]
    return [s.strip() for head in heads if not head.startswith("@") for s in head.split(",")]


def _leading_classes(selector: str) -> set[str]:
    """The classes of a selector's first compound (``.a.b`` in ``.a.b > p``)."""
    first = re.split(r"\s+|>|\+|~", selector.strip())[0]
    return set(re.findall(r"\.([\w-]+)", first))


def test_no_component_is_defined_again_in_a_pages_file() -> None:
    """A component is defined in components/ only. A page may adjust one inside its own
    context (``.trace-page .lab-code``), never restyle it for every page: a rule in the
    later pages layer beats the component's whatever their specificity."""
    components = {
        name
        for path in CSS.glob("components/*.css")
        for selector in _selectors(path)
        for name in _leading_classes(selector)
    }
    # The shared parts that once lived in pages/kms.css are among them.
    assert {"lab-form", "lab-field", "lab-error", "lab-code", "lab-section"} <= components
    redefined = {
        f"{path.name}: {selector}"
        for path in CSS.glob("pages/*.css")
        for selector in _selectors(path)
        if _leading_classes(selector) & components
    }
    assert redefined == set()


def test_one_form_component() -> None:
    """``lab-form`` (with its --row and --inline variants) is the lab's form component:
    the KMS console's ``lab-panel-form`` and ``lab-panel-field`` are gone."""
    retired = re.compile(r"\blab-panel-(form|field)\b")
    templates = list((ROOT / "templates").rglob("*.html"))
    assert not [p.name for p in templates if retired.search(p.read_text("utf-8"))]
    assert not [p.name for p in STYLESHEETS if retired.search(p.read_text("utf-8"))]
    kms = (ROOT / "templates" / "web" / "kms" / "key.html").read_text("utf-8")
    assert 'class="lab-form lab-form--inline"' in kms
