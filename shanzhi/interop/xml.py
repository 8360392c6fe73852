"""Open311 documents in both formats from one description.

A document is a dict (an object), a `Many` (a wrapper holding repeated items) or a scalar. In XML
a `Many` is its wrapper element with one child per item; in JSON it is an array (the "Spark
convention" of the GeoReport v2 spec). Values that are None are left out."""

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from django.http import HttpResponse

XML_TYPE = "text/xml; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"
FORMATS = ("xml", "json")
# Characters XML 1.0 does not allow, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Many:
    item: str  # the tag of each item in XML
    items: list


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _fill(element: ET.Element, value) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            if child is not None:
                _fill(ET.SubElement(element, key), child)
    elif isinstance(value, Many):
        for child in value.items:
            _fill(ET.SubElement(element, value.item), child)
    else:
        element.text = _text(value)


def to_xml(root: str, document) -> bytes:
    element = ET.Element(root)
    _fill(element, document)
    body = ET.tostring(element, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode("utf-8")


def _plain(value):
    if isinstance(value, dict):
        return {key: _plain(child) for key, child in value.items() if child is not None}
    if isinstance(value, Many):
        return [_plain(child) for child in value.items]
    return value


def to_json(document) -> bytes:
    return json.dumps(_plain(document), ensure_ascii=False).encode("utf-8")


def render(fmt: str, root: str, document, status: int = 200) -> HttpResponse:
    """`root` names the XML root element; JSON has no root (an array or an object)."""
    if fmt == "json":
        return HttpResponse(to_json(document), content_type=JSON_TYPE, status=status)
    return HttpResponse(to_xml(root, document), content_type=XML_TYPE, status=status)


def render_errors(fmt: str, status: int, *descriptions: str) -> HttpResponse:
    """The spec's error list: `errors/error(code, description)`, or `[{code, description}]`."""
    errors = Many("error", [{"code": status, "description": d} for d in descriptions])
    return render(fmt if fmt in FORMATS else "xml", "errors", errors, status=status)
