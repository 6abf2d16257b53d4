"""The audit trail: an append-only event log where each entry carries the previous one's hash.

Appending locks the single chain-head row, so concurrent transactions (many workers on
PostgreSQL) extend one chain in commit order. ``verify_chain`` recomputes every link.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from gateway.db.models import Event, EventChainHead, utcnow

GENESIS = "0" * 64


def _canonical(at: dt.datetime, fields: dict[str, Any]) -> bytes:
    body = {"at": at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"), **fields}
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def event_hash(prev_hash: str, event: Event) -> str:
    fields = {
        "organisation_id": event.organisation_id,
        "kind": event.kind,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "actor": event.actor,
        "data": event.data,
    }
    return hashlib.sha256(prev_hash.encode() + _canonical(event.at, fields)).hexdigest()


def _lock_head(session: Session) -> EventChainHead:
    head = session.scalars(
        select(EventChainHead).where(EventChainHead.id == 1).with_for_update()
    ).one_or_none()
    if head is None:
        session.execute(insert(EventChainHead).values(id=1, last_event_id=0, last_hash=GENESIS))
        head = session.scalars(
            select(EventChainHead).where(EventChainHead.id == 1).with_for_update()
        ).one()
    return head


def record(
    session: Session,
    kind: str,
    subject_type: str,
    subject_id: int | None,
    *,
    organisation_id: int | None = None,
    actor: str = "gateway",
    data: dict[str, Any] | None = None,
) -> Event:
    """Append one event to the chain in the caller's transaction."""
    head = _lock_head(session)
    event = Event(
        at=utcnow(),
        organisation_id=organisation_id,
        kind=kind,
        subject_type=subject_type,
        subject_id=subject_id,
        actor=actor,
        data=data or {},
        prev_hash=head.last_hash,
    )
    event.hash = event_hash(head.last_hash, event)
    session.add(event)
    session.flush()
    head.last_hash = event.hash
    head.last_event_id = event.id
    return event


def verify_chain(session: Session) -> Iterator[str]:
    """Yield a description of every break in the chain (nothing when it is intact)."""
    prev = GENESIS
    last_id = 0
    for event in session.scalars(select(Event).order_by(Event.id)).yield_per(1000):
        if event.prev_hash != prev:
            yield f"event {event.id}: previous hash does not match event {last_id} (deleted?)"
        if event_hash(event.prev_hash, event) != event.hash:
            yield f"event {event.id}: content does not match its hash (edited?)"
        prev, last_id = event.hash, event.id
    head = session.get(EventChainHead, 1)
    if head is not None and (head.last_hash != prev or head.last_event_id != last_id):
        yield f"event chain head points at event {head.last_event_id}, log ends at {last_id}"
