"""Claiming queued rows for work: inbound messages (pipeline), outbound mail (sender).

A claim names its holder (host:pid:thread) and expires; on PostgreSQL concurrent claimers
skip each other's rows (FOR UPDATE SKIP LOCKED), on SQLite the write lock serialises them.
After a crash, claims of dead processes of this host are given back at once; other hosts'
claims expire.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, select, update

from gateway.db.engine import Database

log = logging.getLogger(__name__)


def claimant_name() -> str:
    """Who holds a claim: this host, process and thread."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def claim_next(
    db: Database,
    model: Any,  # a mapped class with id, claimed_by and claimed_until columns
    due: ColumnElement[bool],
    order_by: Sequence[Any],
    values: dict[str, Any],
) -> int | None:
    """Mark the first due row as claimed (with ``values``) and return its id, or None."""
    query = select(model.id).where(due).order_by(*order_by).limit(1)
    if db.is_postgresql:
        query = query.with_for_update(skip_locked=True)
    with db.transaction() as session:
        row_id: int | None = session.scalar(query)
        if row_id is None:
            return None
        session.execute(update(model).where(model.id == row_id).values(**values))
        return row_id


def release_dead_claims(
    db: Database, model: Any, claimed: ColumnElement[bool], values: dict[str, Any]
) -> int:
    """Give back (set ``values`` on) rows claimed by dead processes of this host."""
    host = socket.gethostname()
    released = 0
    with db.transaction() as session:
        rows = session.execute(
            select(model.id, model.claimed_by).where(claimed, model.claimed_by.like(f"{host}:%"))
        ).all()
        for row_id, claimed_by in rows:
            if not _alive(int(claimed_by.rsplit(":", 2)[1])):
                session.execute(
                    update(model)
                    .where(model.id == row_id, model.claimed_by == claimed_by)
                    .values(claimed_by=None, claimed_until=None, **values)
                )
                released += 1
    if released:
        log.warning("released %d %s rows claimed by dead processes", released,
                    model.__tablename__)  # fmt: skip
    return released


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True
