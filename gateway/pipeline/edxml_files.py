"""The documents an edXML envelope (QCVN 102:2016/BTTTT) carries inside itself.

An envelope may travel with its files as separate MIME parts (then they are ordinary
attachments) or carry them inline: ``Attachment`` elements holding the file in base64, with
``AttachmentName``, ``ContentType`` and ``ContentTransferEncoded`` beside it (as child elements
or attributes, depending on the sending software). Those files become parts named
"ENVELOPE/NAME", exactly like the files of a zip attachment, so they are triaged, read, stored
and registered like attached files; the envelope's metadata then applies to them
(``edxml.apply``).

Limits as for archives: number of files, decoded size per file and in total, nesting depth. A
refused envelope is recorded as a defect ("NAME: archive refused: ...", so the message is set
aside when nothing else can be registered) and never raises.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import mimetypes
from xml.etree import ElementTree

from gateway.pipeline import archive
from gateway.pipeline.edxml import element_text, local, parse_envelope
from gateway.pipeline.message import Part

# Element (or attribute) names the sending software uses for each attachment field.
NAME_KEYS = ("AttachmentName", "Name", "FileName")
TYPE_KEYS = ("ContentType",)
ENCODING_KEYS = ("ContentTransferEncoded", "ContentTransferEncoding", "Encoding")
CONTENT_KEYS = ("Value", "Content", "EncodedContent", "Data", "Body")
BASE64 = "base64"


def open_envelope(walker: archive.Walker, data: bytes, name: str, depth: int) -> None:
    """Add the envelope's inline files as parts after it; record a defect when refusing."""
    attachments = _attachments(data)
    if not attachments:
        return
    if depth + 1 > walker.max_depth:
        walker.defects.append(f"{name}: archive refused: nested deeper than {walker.max_depth}")
        return
    if len(attachments) > archive.MAX_MEMBERS:
        walker.defects.append(f"{name}: archive refused: {len(attachments)} files")
        return
    total = 0
    for number, element in enumerate(attachments, 1):
        inner = f"{name}/{_file_name(element, number)}"
        content = _content(element)
        if content is None:
            walker.defects.append(f"{inner}: edXML attachment content unreadable")
            continue
        total += len(content)
        if len(content) > archive.MAX_MEMBER_BYTES or total > archive.MAX_TOTAL_BYTES:
            walker.defects.append(f"{name}: archive refused: content over the size limit")
            return
        if not _add(walker, element, content, inner, name, depth):
            return


def _attachments(data: bytes) -> list[ElementTree.Element]:
    root = parse_envelope(data)
    if isinstance(root, str):
        return []  # an unreadable envelope is reported when its metadata is read
    return [node for node in root.iter() if local(node.tag) == "Attachment"]


def _add(
    walker: archive.Walker, element: ElementTree.Element, content: bytes, inner: str,
    container: str, depth: int,
) -> bool:  # fmt: skip
    from gateway.pipeline.parse import detect_type  # parse imports this module

    detected = detect_type(content)
    declared = _field(element, TYPE_KEYS) or mimetypes.guess_type(inner)[0]
    nested = archive.is_archive(detected, inner, content)
    member = Part(
        index=-1, name=inner, declared_type=declared or "application/octet-stream",
        detected_type=detected, disposition="attachment", content_id=None, data=content,
        sha256=hashlib.sha256(content).hexdigest(), container=container, depth=depth + 1,
        is_container=nested,
    )  # fmt: skip
    if not walker.add_member(member):
        return False
    if nested:
        archive.open_archive(walker, content, inner, depth + 1)
    return True


def _field(element: ElementTree.Element, keys: tuple[str, ...]) -> str | None:
    """A field given as an attribute or as a child element (any namespace)."""
    for key in keys:
        for attribute, value in element.attrib.items():
            if local(attribute) == key and value.strip():
                return value.strip()
        for child in element:
            if local(child.tag) == key and (text := element_text(child)):
                return text
    return None


def _file_name(element: ElementTree.Element, number: int) -> str:
    from gateway.pipeline.parse import safe_name  # parse imports this module

    name = safe_name(_field(element, NAME_KEYS))
    if name:
        return name
    extension = mimetypes.guess_extension(_field(element, TYPE_KEYS) or "") or ".bin"
    return f"attachment-{number}{extension}"


def _content(element: ElementTree.Element) -> bytes | None:
    """The decoded file, or None when it is not there or not base64."""
    encoding = (_field(element, ENCODING_KEYS) or BASE64).lower()
    if encoding != BASE64:
        return None
    holder = next((c for c in element if local(c.tag) in CONTENT_KEYS), None)
    if holder is not None:
        text = "".join(holder.itertext())
    else:  # the file as the element's own text, beside any descriptive children
        text = (element.text or "") + "".join(child.tail or "" for child in element)
    compact = "".join(text.split())
    if not compact:
        return None  # only a description: the file travels as a separate MIME part
    try:
        return base64.b64decode(compact + "=" * (-len(compact) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None
