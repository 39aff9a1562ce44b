"""WebDAV request bodies built with ElementTree, and multistatus answers parsed safely.

A server's XML is hostile input: a document type declaration (the door to entity expansion
and external entities) is refused while parsing, the body was size-capped by the client,
and the number of responses read is bounded.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit
from xml.parsers import expat

DAV = "DAV:"
CALDAV = "urn:ietf:params:xml:ns:caldav"
CARDDAV = "urn:ietf:params:xml:ns:carddav"
CALSERVER = "http://calendarserver.org/ns/"
APPLE_ICAL = "http://apple.com/ns/ical/"

MAX_RESPONSES = 50_000

for _prefix, _uri in (("d", DAV), ("c", CALDAV), ("card", CARDDAV), ("cs", CALSERVER)):
    ET.register_namespace(_prefix, _uri)


class MalformedXmlError(ValueError):
    """The server answered XML this client will not read."""


def tag(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}"


@dataclass(frozen=True)
class DavResponse:
    """One ``DAV:response``: its href (a decoded path), a status when the whole response has
    one (404 for a member removed since a sync token), and the properties found (200)."""

    href: str
    status: int | None
    props: dict[str, ET.Element] = field(default_factory=dict)

    def text(self, namespace: str, name: str) -> str | None:
        element = self.props.get(tag(namespace, name))
        if element is None or element.text is None:
            return None
        return element.text.strip() or None

    def child_hrefs(self, namespace: str, name: str) -> list[str]:
        element = self.props.get(tag(namespace, name))
        if element is None:
            return []
        # A path on the server this client talks to: an absolute href naming another host is
        # read as a path here, so the credentials never travel to that host.
        return [
            href_path(h.text) for h in element.iter(tag(DAV, "href")) if h.text and h.text.strip()
        ]

    def has_child(self, namespace: str, name: str, child: str) -> bool:
        element = self.props.get(tag(namespace, name))
        return element is not None and element.find(f".//{child}") is not None


@dataclass(frozen=True)
class Multistatus:
    responses: list[DavResponse]
    sync_token: str | None = None


def parse_xml(body: bytes) -> ET.Element:
    """An ElementTree built from expat events, refusing any document type declaration (as
    defusedxml does): no entity expansion, no external entities."""
    builder = ET.TreeBuilder()
    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True

    def refuse(*_: Any) -> Any:
        raise MalformedXmlError("XML with a document type declaration refused")

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.StartElementHandler = lambda name, attributes: builder.start(
        _clark(name), {_clark(key): value for key, value in attributes.items()}
    )
    parser.EndElementHandler = lambda name: builder.end(_clark(name))
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(body, True)
        return builder.close()
    except (expat.ExpatError, AssertionError) as exc:
        raise MalformedXmlError(f"unreadable XML ({exc})") from None


def _clark(name: str) -> str:
    """expat's ``DAV:}href`` as ElementTree's ``{DAV:}href``."""
    return "{" + name if "}" in name else name


def parse_multistatus(body: bytes) -> Multistatus:
    root = parse_xml(body)
    if root.tag != tag(DAV, "multistatus"):
        raise MalformedXmlError("not a DAV:multistatus")
    responses: list[DavResponse] = []
    for element in root.findall(tag(DAV, "response")):
        if len(responses) >= MAX_RESPONSES:
            raise MalformedXmlError("too many responses")
        href_element = element.find(tag(DAV, "href"))
        if href_element is None or not href_element.text:
            continue
        props: dict[str, ET.Element] = {}
        for propstat in element.findall(tag(DAV, "propstat")):
            if _status_code(propstat.findtext(tag(DAV, "status"))) != 200:
                continue
            prop = propstat.find(tag(DAV, "prop"))
            for child in prop if prop is not None else []:
                props[child.tag] = child
        responses.append(
            DavResponse(
                href=href_path(href_element.text),
                status=_status_code(element.findtext(tag(DAV, "status"))),
                props=props,
            )
        )
    token = root.findtext(tag(DAV, "sync-token"))
    return Multistatus(responses, token.strip() if token else None)


def href_path(href: str) -> str:
    """The decoded path of an href, whether the server wrote it absolute or as a path."""
    return unquote(urlsplit(href.strip()).path) or "/"


def _status_code(line: str | None) -> int | None:
    """``HTTP/1.1 404 Not Found`` → 404."""
    if not line:
        return None
    parts = line.split()
    if len(parts) >= 2 and parts[1].isdigit():
        return int(parts[1])
    return None


def _body(root: ET.Element) -> bytes:
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data


def _prop(parent: ET.Element, props: list[tuple[str, str]]) -> None:
    prop = ET.SubElement(parent, tag(DAV, "prop"))
    for namespace, name in props:
        ET.SubElement(prop, tag(namespace, name))


def propfind_body(props: list[tuple[str, str]]) -> bytes:
    root = ET.Element(tag(DAV, "propfind"))
    _prop(root, props)
    return _body(root)


def sync_collection_body(token: str | None) -> bytes:
    root = ET.Element(tag(DAV, "sync-collection"))
    ET.SubElement(root, tag(DAV, "sync-token")).text = token or ""
    ET.SubElement(root, tag(DAV, "sync-level")).text = "1"
    _prop(root, [(DAV, "getetag")])
    return _body(root)


def etag_query_body(namespace: str) -> bytes:
    """calendar-query (VEVENTs) or addressbook-query (every card) asking only for ETags."""
    if namespace == CALDAV:
        root = ET.Element(tag(CALDAV, "calendar-query"))
        _prop(root, [(DAV, "getetag")])
        calendar = ET.SubElement(
            ET.SubElement(root, tag(CALDAV, "filter")), tag(CALDAV, "comp-filter")
        )
        calendar.set("name", "VCALENDAR")
        ET.SubElement(calendar, tag(CALDAV, "comp-filter")).set("name", "VEVENT")
    else:
        root = ET.Element(tag(CARDDAV, "addressbook-query"))
        _prop(root, [(DAV, "getetag")])
    return _body(root)


def multiget_body(namespace: str, hrefs: list[str]) -> bytes:
    """calendar-multiget / addressbook-multiget of ``hrefs`` (already URL-encoded paths)."""
    name, data = (
        ("calendar-multiget", "calendar-data")
        if namespace == CALDAV
        else ("addressbook-multiget", "address-data")
    )
    root = ET.Element(tag(namespace, name))
    _prop(root, [(DAV, "getetag"), (namespace, data)])
    for href in hrefs:
        ET.SubElement(root, tag(DAV, "href")).text = href
    return _body(root)


def mkcol_body(namespace: str, display_name: str) -> bytes:
    """MKCALENDAR (CalDAV) or extended MKCOL (CardDAV) body naming the new collection."""
    if namespace == CALDAV:
        root = ET.Element(tag(CALDAV, "mkcalendar"))
        prop = ET.SubElement(ET.SubElement(root, tag(DAV, "set")), tag(DAV, "prop"))
    else:
        root = ET.Element(tag(DAV, "mkcol"))
        prop = ET.SubElement(ET.SubElement(root, tag(DAV, "set")), tag(DAV, "prop"))
        kind = ET.SubElement(prop, tag(DAV, "resourcetype"))
        ET.SubElement(kind, tag(DAV, "collection"))
        ET.SubElement(kind, tag(CARDDAV, "addressbook"))
    ET.SubElement(prop, tag(DAV, "displayname")).text = display_name
    return _body(root)
