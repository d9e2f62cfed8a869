"""S3's XML: a safe parser for request bodies and a small writer for responses.

Request bodies come from learners and from any client pointed at the endpoint, so
the parser refuses document type declarations outright (no DTD, no entities, no
external references) and caps the size before the standard library sees a byte.
Element names are compared without their namespace: S3 accepts configuration
documents with or without ``xmlns="http://s3.amazonaws.com/doc/2006-03-01/"``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from xml.sax.saxutils import escape

from . import errors

S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/"
MAX_XML_BYTES = 64 * 1024
DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'

# Anything that opens markup declarations other than comments and CDATA sections.
_FORBIDDEN = re.compile(rb"<!(?!--|\[CDATA\[)")


def parse(body: bytes) -> ET.Element:
    """The root element of ``body``, or ``MalformedXML`` for anything unsafe or broken."""
    if len(body) > MAX_XML_BYTES or _FORBIDDEN.search(body):
        raise errors.malformed_xml()
    try:
        parser = ET.XMLParser()
        parser.feed(body)
        root = parser.close()
    except (ET.ParseError, ValueError, UnicodeError):
        raise errors.malformed_xml() from None
    return root


def local_name(element: ET.Element) -> str:
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def children(element: ET.Element, name: str) -> list[ET.Element]:
    return [child for child in element if local_name(child) == name]


def only_child(element: ET.Element, name: str, *, required: bool) -> ET.Element | None:
    """The single child called ``name``; ``MalformedXML`` for two, or none when required."""
    found = children(element, name)
    if len(found) > 1 or (required and not found):
        raise errors.malformed_xml()
    return found[0] if found else None


def text_of(element: ET.Element | None) -> str | None:
    if element is None:
        return None
    if len(element):
        raise errors.malformed_xml()
    return (element.text or "").strip()


def allow_only(element: ET.Element, names: Iterable[str]) -> None:
    allowed = set(names)
    for child in element:
        if local_name(child) not in allowed:
            raise errors.malformed_xml()


# --------------------------------------------------------------------------- writing


def element(name: str, value: str | int | bool) -> str:
    text = ("true" if value else "false") if isinstance(value, bool) else escape(str(value))
    return f"<{name}>{text}</{name}>"


def document(root: str, inner: Iterable[str], *, namespace: bool = True) -> bytes:
    attrs = f' xmlns="{S3_NS}"' if namespace else ""
    return (DECLARATION + f"<{root}{attrs}>" + "".join(inner) + f"</{root}>").encode()


def error_document(
    code: str,
    message: str,
    extra: dict[str, str],
    resource: str,
    request_id: str,
    host_id: str,
) -> bytes:
    parts = [element("Code", code), element("Message", message)]
    parts.extend(element(name, value) for name, value in extra.items())
    if resource:
        parts.append(element("Resource", resource))
    parts.append(element("RequestId", request_id))
    parts.append(element("HostId", host_id))
    return document("Error", parts, namespace=False)
