"""Pipeline step 1: parse the raw bytes into a ParsedMessage.

Uses ``email.policy.default``; walks every part including attached messages
(message/rfc822), decodes attachment names whichever way the sender's client wrote them
(RFC 2231, RFC 2047 inside a quoted parameter, raw UTF-8 or a legacy 8-bit charset), and
detects the real type of each part with libmagic. Never raises on hostile input: what cannot
be understood is recorded as a defect, and the decision to quarantine is taken later.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import re
import unicodedata
from collections.abc import Callable
from email import policy
from email.header import decode_header, make_header
from email.message import EmailMessage, Message

import magic

from gateway.pipeline.archive import is_archive, open_archive
from gateway.pipeline.edxml import is_envelope
from gateway.pipeline.edxml_files import open_envelope
from gateway.pipeline.message import ParsedMessage, Part
from gateway.pipeline.mimepolicy import parse_bytes

MAX_NAME_CHARS = 200
CID_REF = re.compile(r"""cid:([^"'\s>)]+)""", re.IGNORECASE)
SELECTED_HEADERS = (
    "subject", "from", "to", "cc", "date", "message-id", "in-reply-to", "references",
    "auto-submitted", "precedence", "list-id", "list-unsubscribe", "x-auto-response-suppress",
    "authentication-results", "dkim-signature", "return-path", "reply-to",
)  # fmt: skip


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def repair_8bit(text: str) -> str:
    """Undo surrogate escapes the parser uses for raw 8-bit header bytes."""
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text
    raw = text.encode("utf-8", "surrogateescape")
    for charset in ("utf-8", "cp1258", "latin-1"):
        try:
            return raw.decode(charset)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", "replace")  # pragma: no cover - latin-1 always decodes


def decode_words(text: str) -> str:
    """Decode RFC 2047 encoded-words, also where a client put them inside a quoted parameter."""
    text = repair_8bit(text)
    if "=?" not in text:
        return text
    try:
        return str(make_header(decode_header(text)))
    except (ValueError, LookupError, UnicodeError):
        return text


def safe_name(name: str | None) -> str | None:
    """An attachment name that can never leave its folder: last path component, no controls."""
    if not name:
        return None
    name = nfc(decode_words(name))
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C" or ch in "\u200c\u200d")
    name = name.strip().lstrip(".").strip()
    if len(name) > MAX_NAME_CHARS:
        _, dot, ext = name.rpartition(".")
        ext = ext if dot and len(ext) <= 10 else ""
        name = name[: MAX_NAME_CHARS - len(ext) - 1].rstrip() + ("." + ext if ext else "")
    return name or None


def detect_type(data: bytes) -> str:
    if not data:
        return "application/x-empty"
    try:
        return str(magic.from_buffer(data, mime=True))
    except Exception:  # libmagic failing on a hostile buffer must not stop the message
        return "application/octet-stream"


def _header(msg: Message, name: str) -> str | None:
    try:
        value = msg.get(name)
    except Exception:  # malformed header: the parser raises on access under policy.default
        raw = msg.get_all(name, failobj=[]) if hasattr(msg, "get_all") else []
        value = raw[0] if raw else None
    if value is None:
        return None
    return nfc(decode_words(str(value))).strip()


def _address(value: str | None) -> tuple[str | None, str | None]:
    if not value:
        return None, None
    name, addr = email.utils.parseaddr(value)
    return (name or None), (addr.lower() or None)


def _filename(part: Message) -> str | None:
    getters: tuple[Callable[[], object], ...] = (
        part.get_filename,
        lambda: part.get_param("name"),
    )
    for getter in getters:
        try:
            value = getter()
        except Exception:
            continue
        if isinstance(value, tuple):  # an RFC 2231 triple the library did not collapse
            value = email.utils.collapse_rfc2231_value(value)
        if value:
            return safe_name(str(value))
    return None


def _payload(part: Message, defects: list[str], label: str) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception as exc:
        defects.append(f"{label}: cannot decode body: {exc}")
        return b""
    if isinstance(data, bytes):
        return data
    return b""


def _text(part: Message, data: bytes) -> str:
    charset = part.get_content_charset() or "utf-8"
    for candidate in (charset, "utf-8", "cp1258", "latin-1"):
        try:
            return nfc(data.decode(candidate))
        except (LookupError, UnicodeDecodeError):
            continue
    return nfc(data.decode("utf-8", "replace"))  # pragma: no cover


class _Walker:
    def __init__(self, max_depth: int, max_parts: int) -> None:
        self.max_depth = max_depth
        self.max_parts = max_parts
        self.parts: list[Part] = []
        self.defects: list[str] = []
        self.text: list[str] = []
        self.html: list[str] = []

    def walk(self, entity: Message, depth: int, container: str | None) -> None:
        if len(self.parts) >= self.max_parts:
            return
        for defect in getattr(entity, "defects", []):
            self.defects.append(f"{container or 'message'}: {type(defect).__name__}")
        ctype = entity.get_content_type()
        if ctype in ("message/rfc822", "message/global"):
            self._attached_message(entity, ctype, depth, container)
        elif entity.is_multipart():
            payload = entity.get_payload()
            for sub in payload if isinstance(payload, list) else []:
                if isinstance(sub, Message):
                    self.walk(sub, depth, container)
        else:
            self._leaf(entity, ctype, depth, container)

    def _attached_message(
        self, entity: Message, ctype: str, depth: int, container: str | None
    ) -> None:
        payload = entity.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
        name = _filename(entity) or f"message-{len(self.parts) + 1}.eml"
        full = f"{container}/{name}" if container else name
        raw = inner.as_bytes(policy=policy.SMTP) if isinstance(inner, Message) else b""
        disposition = entity.get_content_disposition()
        self._add(entity, ctype, disposition, raw, full, depth, container, is_container=True)
        if not isinstance(inner, Message):
            self.defects.append(f"{full}: attached message has no content")
        elif depth + 1 > self.max_depth:
            self.defects.append(f"{full}: attached messages nested deeper than {self.max_depth}")
        else:
            self.walk(inner, depth + 1, full)

    def _leaf(self, entity: Message, ctype: str, depth: int, container: str | None) -> None:
        name = _filename(entity)
        label = name or f"part {len(self.parts) + 1}"
        data = _payload(entity, self.defects, label)
        disposition = entity.get_content_disposition()
        is_body = (
            ctype in ("text/plain", "text/html") and name is None and disposition != "attachment"
        )
        if is_body:
            (self.html if ctype == "text/html" else self.text).append(_text(entity, data))
        full = f"{container}/{name}" if container and name else name
        detected = ctype if is_body else detect_type(data)  # bodies are text: no sniffing
        archive = not is_body and is_archive(detected, name, data)
        self._add(entity, ctype, disposition, data, full, depth, container, is_body=is_body,
                  is_container=archive, detected=detected)  # fmt: skip
        if archive:
            open_archive(self, data, full or label, depth)
        elif not is_body and is_envelope(name, detected, data):
            # The envelope stays a part of its own (its metadata is read when classifying);
            # files it carries inline follow it, like a zip's.
            open_envelope(self, data, full or label, depth)

    def add_member(self, member: Part) -> bool:
        """Append a part read from an archive; False when the part limit is reached."""
        if len(self.parts) >= self.max_parts:
            self.defects.append(f"more than {self.max_parts} parts: the rest is not read")
            return False
        member.index = len(self.parts)
        self.parts.append(member)
        return True

    def _add(
        self,
        entity: Message,
        ctype: str,
        disposition: str | None,
        data: bytes,
        name: str | None,
        depth: int,
        container: str | None,
        *,
        is_body: bool = False,
        is_container: bool = False,
        detected: str | None = None,
    ) -> None:
        if len(self.parts) >= self.max_parts:
            self.defects.append(f"more than {self.max_parts} parts: the rest is not read")
            return
        cid = _header(entity, "content-id")
        self.parts.append(
            Part(
                index=len(self.parts),
                name=name,
                declared_type=ctype,
                detected_type=detected or ("message/rfc822" if is_container else detect_type(data)),
                disposition=disposition,
                content_id=cid.strip("<>") if cid else None,
                data=data,
                sha256=hashlib.sha256(data).hexdigest(),
                container=container,
                depth=depth,
                is_body=is_body,
                is_container=is_container,
            )
        )


def parse_message(raw: bytes, *, max_depth: int = 5, max_parts: int = 500) -> ParsedMessage:
    """Parse raw RFC 5322 bytes; never raises for bad input."""
    try:
        msg = parse_bytes(raw)
    except Exception as exc:  # the stdlib parser is lenient, but guard the pipeline anyway
        return ParsedMessage(
            message_id=None, subject="", from_addr=None, from_name=None, to=[], date=None,
            in_reply_to=None, auto_submitted=None, headers={}, text_body="", html_body="",
            unreadable=f"the message cannot be parsed: {type(exc).__name__}: {exc}",
        )  # fmt: skip
    assert isinstance(msg, EmailMessage)
    walker = _Walker(max_depth, max_parts)
    try:
        walker.walk(msg, 0, None)
    except RecursionError:
        walker.defects.append("MIME structure nested too deeply to read")
    html = "\n".join(walker.html)
    referenced = {ref.strip("<>") for ref in CID_REF.findall(html)}
    for part in walker.parts:
        part.referenced_by_html = part.content_id is not None and part.content_id in referenced
    headers = {name: value for name in SELECTED_HEADERS if (value := _header(msg, name))}
    from_name, from_addr = _address(headers.get("from"))
    date: dt.datetime | None = None
    if "date" in headers:
        try:
            date = email.utils.parsedate_to_datetime(headers["date"])
        except (TypeError, ValueError, IndexError):
            walker.defects.append("message: unreadable Date header")
    to = [addr.lower() for _, addr in email.utils.getaddresses([headers.get("to", "")]) if addr]
    return ParsedMessage(
        message_id=headers.get("message-id"),
        subject=headers.get("subject", ""),
        from_addr=from_addr,
        from_name=from_name,
        to=to,
        date=date,
        in_reply_to=headers.get("in-reply-to"),
        auto_submitted=headers.get("auto-submitted"),
        headers=headers,
        text_body="\n\n".join(walker.text),
        html_body=html,
        parts=walker.parts,
        defects=walker.defects,
    )
