"""Open311 GeoReport v2 on the wire: the same documents as JSON or as XML, and its errors.

GeoReport makes XML the default and JSON optional, with the format named by the
URL's extension; both carry the same fields. The XML shape follows the
specification's examples: a plural root (``services``, ``service_requests``,
``errors``) with one singular child per item, a ``null`` as an empty element and
a boolean as ``true``/``false``. Errors are ``[{"code", "description"}]`` in
JSON and ``<errors><error><code/><description/></error></errors>`` in XML.
"""

from __future__ import annotations

import json
import re
from typing import Any
from xml.etree import ElementTree as ET

from flask import Response

FORMATS = ("json", "xml")
MIMETYPES = {"json": "application/json", "xml": "text/xml"}
# A list's element name -> the name of each of its items.
ITEMS = {"services": "service", "service_requests": "request", "errors": "error",
         "attributes": "attribute", "values": "value", "endpoints": "endpoint",
         "formats": "format"}
# Characters XML 1.0 cannot carry, and line breaks: an error stays one clean line.
_UNSHOWABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def shown(value: str, limit: int = 40) -> str:
    """``value`` as an error may quote it: printable, one line, short."""
    cleaned = _UNSHOWABLE.sub("?", value)
    return cleaned if len(cleaned) <= limit else cleaned[:limit] + "..."


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return _UNSHOWABLE.sub("?", str(value))


def _element(name: str, value: Any) -> ET.Element:
    node = ET.Element(name)
    if isinstance(value, dict):
        for key, child in value.items():
            node.append(_element(key, child))
    elif isinstance(value, list):
        for child in value:
            node.append(_element(ITEMS.get(name, "item"), child))
    else:
        node.text = _text(value)
    return node


def to_xml(root: str, document: Any) -> bytes:
    """``document`` (a list of items, or a dict) under ``root``, with an XML declaration."""
    body: bytes = ET.tostring(_element(root, document), encoding="utf-8", xml_declaration=True)
    return body


def render(fmt: str, root: str, document: Any, status: int = 200) -> Response:
    """A document as ``fmt`` (json or xml); ``root`` names its XML root element."""
    if fmt == "xml":
        return Response(to_xml(root, document), status, mimetype=MIMETYPES["xml"])
    return Response(json.dumps(document, ensure_ascii=False), status,
                    mimetype=MIMETYPES["json"])


def error(fmt: str, code: int, description: str) -> Response:
    """GeoReport's error body, one error, in the request's format."""
    return render(fmt, "errors", [{"code": code, "description": shown(description, 200)}],
                  code)


def format_of(path: str) -> str:
    """The format a path asks for: its extension when JSON, else GeoReport's default, XML."""
    return "json" if path.rsplit("/", 1)[-1].endswith(".json") else "xml"
