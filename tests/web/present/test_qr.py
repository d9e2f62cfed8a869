"""The QR helper: an inline SVG a phone can scan from a projected or dark page, drawn from\nsegno's module matrix (nothing here decodes an image: the drawn modules are checked\nagainst segno's own matrix) and kept per URL in the fragment cache."""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from typing import Any

import pytest
import segno
from django.template import Context, Template

from simulator.web.qr import qr_svg

SVG = "{http://www.w3.org/2000/svg}"
URL = "https://lab.example/lessons/sse-kms/"


def parsed(svg: str) -> ET.Element:
    # Inline SVG in HTML carries no namespace; add it so ElementTree parses it as SVG.
    return ET.fromstring(svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1))


def modules_path(svg: str) -> str:
    root = parsed(svg)
    dark = [p for p in root.iter(f"{SVG}path") if p.get("stroke")]
    assert len(dark) == 1
    return dark[0].get("d") or ""


def test_the_symbol_is_an_image_named_by_its_label() -> None:
    root = parsed(qr_svg(URL, label="Follow this lesson on your phone"))
    assert root.get("role") == "img"
    assert root.get("aria-label") == "Follow this lesson on your phone"
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == "Follow this lesson on your phone"


def test_css_sizes_it_the_svg_has_only_a_viewbox() -> None:
    root = parsed(qr_svg(URL, label="QR"))
    assert root.get("width") is None and root.get("height") is None
    assert re.fullmatch(r"0 0 (\d+) \1", root.get("viewBox") or "")
    assert root.get("class") == "qr-code"


def test_dark_modules_on_a_light_square_whatever_the_theme() -> None:
    root = parsed(qr_svg(URL, label="QR"))
    paths = list(root.iter(f"{SVG}path"))
    fills = [p.get("fill") for p in paths if p.get("fill")]
    strokes = [p.get("stroke") for p in paths if p.get("stroke")]
    assert fills == ["#fff"] and strokes == ["#000"]
    # The light square covers the whole viewBox, quiet zone included.
    size = (root.get("viewBox") or "").split()[2]
    background = next(p for p in paths if p.get("fill"))
    assert background.get("d") == f"M0 0h{size}v{size}h-{size}z"


def test_a_four_module_quiet_zone_surrounds_the_symbol() -> None:
    root = parsed(qr_svg(URL, label="QR"))
    size = int((root.get("viewBox") or "").split()[2])
    # The smallest QR symbol (version 1) is 21 modules; with 4 on each side, 29.
    assert size >= 29 and (size - 8 - 21) % 4 == 0
    # The first dark run starts at (4, 4): the finder pattern's corner.
    assert modules_path(qr_svg(URL, label="QR")).startswith("M4 4.5h7")


def test_different_data_gives_a_different_symbol() -> None:
    one = modules_path(qr_svg(URL, label="QR"))
    other = modules_path(qr_svg(URL.replace("sse-kms", "sse-c"), label="QR"))
    assert one != other
    assert one == modules_path(qr_svg(URL, label="QR"))


def test_longer_data_gives_a_larger_symbol() -> None:
    short = parsed(qr_svg("https://a.example/", label="QR")).get("viewBox")
    long = parsed(qr_svg("https://a.example/" + "x" * 200, label="QR")).get("viewBox")
    assert short != long


def test_the_label_is_escaped_and_the_data_never_appears_as_markup() -> None:
    svg = qr_svg('https://x.example/?q="<script>', label='Scan <b>"this"</b>')
    assert "<b>" not in svg and "<script>" not in svg
    assert parsed(svg).get("aria-label") == 'Scan <b>"this"</b>'


@pytest.mark.parametrize("data,label", [("", "QR"), (URL, " ")])
def test_no_data_or_no_label_is_refused(data: str, label: str) -> None:
    with pytest.raises(ValueError):
        qr_svg(data, label=label)


def test_the_template_tag_draws_the_same_symbol() -> None:
    html = Template("{% load qr %}{% qr_code url label %}").render(
        Context({"url": URL, "label": "Follow on your phone"})
    )
    assert html == qr_svg(URL, label="Follow on your phone")


def test_the_template_tag_takes_a_class_for_its_page() -> None:
    html = Template('{% load qr %}{% qr_code url "Join" css_class="join-qr" %}').render(
        Context({"url": URL})
    )
    assert parsed(html).get("class") == "join-qr"


def dark_modules(path: str) -> set[tuple[int, int]]:
    """The (x, y) of every module the path strokes: ``M``/``m`` moves the pen (absolute,
    then relative), ``h`` strokes a run of modules at the middle of a row."""
    cells: set[tuple[int, int]] = set()
    x = y = 0.0
    for move, dx, dy, run in re.findall(r"([Mm])(-?[\d.]+) (-?[\d.]+)h(\d+)", path):
        x, y = (float(dx), float(dy)) if move == "M" else (x + float(dx), y + float(dy))
        assert y % 1 == 0.5  # a stroke one module thick covers its row exactly
        cells |= {(int(x) + n, int(y)) for n in range(int(run))}
        x += int(run)
    return cells


@pytest.mark.parametrize("data", [URL, "https://a.example/" + "x" * 200, "x"])
def test_the_drawn_modules_are_segnos_matrix_with_its_quiet_zone(data: str) -> None:
    svg = qr_svg(data, label="QR")
    symbol = segno.make(data, error="m", micro=False)
    expected = {
        (x, y)
        for y, row in enumerate(symbol.matrix_iter(scale=1, border=4))
        for x, dark in enumerate(row)
        if dark
    }
    assert dark_modules(modules_path(svg)) == expected
    size = int((parsed(svg).get("viewBox") or "").split()[2])
    assert size == symbol.symbol_size(scale=1, border=4)[0]


def test_the_path_is_the_one_segnos_own_writer_draws() -> None:
    ours = modules_path(qr_svg(URL, label="QR"))
    segnos = segno.make(URL, error="m", micro=False).svg_inline(scale=1, border=4)
    assert f'd="{ours}"' in segnos


def test_a_urls_symbol_is_drawn_once_then_read_from_the_cache(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made: list[str] = []
    make = segno.make

    def counting(data: str, **options: Any) -> segno.QRCode:
        made.append(data)
        return make(data, **options)

    monkeypatch.setattr(segno, "make", counting)
    url = f"https://lab.example/class/{uuid.uuid4().hex}/"
    first = qr_svg(url, label="Join")
    again = qr_svg(url, label="参加する", css_class="join-qr")
    assert made == [url]
    assert modules_path(first) == modules_path(again)
    assert parsed(again).get("aria-label") == "参加する"
    qr_svg(url + "other/", label="Join")
    assert made == [url, url + "other/"]
