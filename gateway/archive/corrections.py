"""A clerk's corrections to a registered document's fields.

Each correction is kept in ``Document.corrected`` (the value, the old value, who, when, why)
and in the audit chain, and the search index is brought up to date in the same transaction.
Reprocessing never overwrites a corrected field: registration creates a document once per
message position, and any later re-reading must consult ``corrected`` first.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from gateway.archive import events, search
from gateway.db.models import Document, utcnow
from gateway.errors import GatewayError

URGENCY = ("normal", "urgent", "very_urgent", "flash")
SECRECY = ("none", "confidential", "secret", "top_secret")
EDITABLE = ("doc_type", "system", "number_symbol", "issuer", "issued_date", "summary",
            "urgency", "secrecy")  # fmt: skip


class CorrectionError(GatewayError):
    """A correction names an unknown field or gives a value of the wrong form."""


def _value(field: str, text: str) -> Any:
    text = unicodedata.normalize("NFC", text.strip())
    if text == "":
        return None  # "unknown" is a valid correction
    if field == "issued_date":
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise CorrectionError(f"issued_date: expected YYYY-MM-DD, got {text!r}") from None
    if field == "urgency" and text not in URGENCY:
        raise CorrectionError(f"urgency: expected one of {', '.join(URGENCY)}")
    if field == "secrecy" and text not in SECRECY:
        raise CorrectionError(f"secrecy: expected one of {', '.join(SECRECY)}")
    if field == "system" and text not in ("party", "state"):
        raise CorrectionError("system: expected party or state")
    return text


def correct(
    session: Session, document: Document, changes: dict[str, str], *, actor: str, reason: str
) -> dict[str, tuple[Any, Any]]:
    """Apply ``changes`` (field -> new value as text); returns field -> (old, new)."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise CorrectionError(f"cannot correct {', '.join(unknown)}: fields are {EDITABLE}")
    if not actor.strip():
        raise CorrectionError("say who corrects (--by)")
    applied: dict[str, tuple[Any, Any]] = {}
    now = utcnow().isoformat(timespec="seconds")
    for field, text in changes.items():
        old, new = getattr(document, field), _value(field, text)
        if old == new:
            continue
        setattr(document, field, new)
        applied[field] = (old, new)
        shown = new.isoformat() if isinstance(new, dt.date) else new
        document.corrected = {
            **(document.corrected or {}),
            field: {"value": shown, "by": actor, "at": now, "reason": reason},
        }
        document.evidence = {**(document.evidence or {}), field: f"corrected by {actor}: {reason}"}
    if not applied:
        return applied
    flag_modified(document, "corrected")
    flag_modified(document, "evidence")
    events.record(
        session, "document.corrected", "document", document.id,
        organisation_id=document.organisation_id, actor=actor,
        data={"reason": reason, "changes": {
            f: [o.isoformat() if isinstance(o, dt.date) else o,
                n.isoformat() if isinstance(n, dt.date) else n]
            for f, (o, n) in applied.items()}},
    )  # fmt: skip
    search.index_document(session, document)  # None keeps the extracted text already indexed
    return applied
