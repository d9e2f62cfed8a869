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
    templates = [p for p in (ROOT / "templates").rglob("*.html") if "tracing" not in p.parts]
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
