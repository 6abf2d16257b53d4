"""Zip attachments are opened like attached messages: their files become parts "ZIP/INNER".

Limits keep a hostile archive from exhausting memory or time: member count, total and
per-member uncompressed size (enforced while reading, not trusted from the directory), the
compression ratio, and nesting depth. A refused archive is recorded as a defect
("NAME: archive refused: ...") and never raises.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import mimetypes
import zipfile
from typing import Protocol

from gateway.pipeline.message import Part

MAX_MEMBERS = 200
MAX_TOTAL_BYTES = 100 * 1024 * 1024
MAX_MEMBER_BYTES = 50 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed, per member
ZIP_TYPES = frozenset({"application/zip", "application/x-zip-compressed"})
# Office and OpenDocument files are zip packages too: they are documents, not archives.
PACKAGE_MARKERS = ("[Content_Types].xml", "mimetype", "META-INF/manifest.xml")
PACKAGE_SUFFIXES = (".docx", ".xlsx", ".pptx", ".odt", ".ods", ".odp", ".docm", ".xlsm", ".epub")


class Walker(Protocol):
    max_depth: int
    defects: list[str]

    def add_member(self, member: Part) -> bool: ...


def is_archive(detected: str, name: str | None, data: bytes) -> bool:
    """A zip archive, not an Office/OpenDocument package declared or detected as zip."""
    if detected not in ZIP_TYPES or (name or "").lower().endswith(PACKAGE_SUFFIXES):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist()[:1000])
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    return not any(marker in names for marker in PACKAGE_MARKERS)


def _member_name(raw: str, info: zipfile.ZipInfo) -> str:
    if not info.flag_bits & 0x800:  # not flagged UTF-8: zip tools wrote cp437 or the OEM page
        with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
            raw = raw.encode("cp437").decode("utf-8")
    from gateway.pipeline.parse import safe_name  # parse imports this module

    return safe_name(raw) or "file"


def open_archive(walker: Walker, data: bytes, name: str, depth: int) -> None:
    """Add the archive's files as parts after it; record a defect when refusing."""
    from gateway.pipeline.parse import detect_type  # parse imports this module

    def refuse(why: str) -> None:
        walker.defects.append(f"{name}: archive refused: {why}")

    if depth + 1 > walker.max_depth:
        refuse(f"archives nested deeper than {walker.max_depth}")
        return
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        refuse(f"unreadable zip: {exc}")
        return
    with archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
        if len(members) > MAX_MEMBERS:
            refuse(f"{len(members)} files, more than {MAX_MEMBERS}")
            return
        total = 0
        for info in members:
            inner = f"{name}/{_member_name(info.filename, info)}"
            if info.flag_bits & 0x1:
                walker.defects.append(f"{inner}: encrypted archive member not read")
                continue
            if info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
                refuse(f"{inner} expands {info.file_size // info.compress_size}x (zip bomb?)")
                return
            try:
                with archive.open(info) as handle:
                    content = handle.read(MAX_MEMBER_BYTES + 1)
            except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError) as exc:
                walker.defects.append(f"{inner}: unreadable archive member: {exc}")
                continue
            total += len(content)
            if len(content) > MAX_MEMBER_BYTES or total > MAX_TOTAL_BYTES:
                refuse(f"uncompressed content over {MAX_TOTAL_BYTES // (1024 * 1024)} MB")
                return
            if info.compress_size and len(content) / max(info.compress_size, 1) > MAX_RATIO:
                refuse(f"{inner} expands more than {MAX_RATIO}x (zip bomb?)")
                return
            detected = detect_type(content)
            nested = is_archive(detected, inner, content)
            member = Part(
                index=-1, name=inner,
                declared_type=mimetypes.guess_type(inner)[0] or "application/octet-stream",
                detected_type=detected, disposition="attachment", content_id=None,
                data=content, sha256=hashlib.sha256(content).hexdigest(), container=name,
                depth=depth + 1, is_container=nested,
            )  # fmt: skip
            if not walker.add_member(member):
                return
            if nested:
                open_archive(walker, content, inner, depth + 1)
