"""Rebuilding the index in bulk: from the register (``gateway reindex``) or from itself.

``reindex`` reads every document, its message and its file names again and re-creates the
index rows; the extracted text is the one already indexed, or, given ``read_texts`` (`gateway
reindex --reread`), read again from the stored files, which also restores lost rows whole.
``refresh`` re-derives the full-text structures from ``search_entries`` alone, for migrations that
change them. Both run in the caller's transaction, in batches, and are idempotent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.archive.search.entry import IndexEntry, build_entries, search_entries
from gateway.archive.search.service import backend_for
from gateway.db.models import Document

BATCH = 500

Progress = Callable[[int], None]  # called with the number of documents just indexed
# The text of each document read again from its stored main file (document id -> text).
ReadTexts = Callable[[Session, list[Document]], dict[int, str]]


@dataclass(frozen=True)
class Reindexed:
    documents: int
    with_text: int  # documents that have extracted text in the index


def _ignore(_count: int) -> None:
    pass


def count_documents(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Document)) or 0


def _keep_indexed(_session: Session, _documents: list[Document]) -> dict[int, str]:
    return {}


def reindex(
    session: Session, progress: Progress = _ignore, read_texts: ReadTexts = _keep_indexed
) -> Reindexed:
    """Index every document again from the register, the messages and the attachments."""
    backend = backend_for(session)
    backend.reset(session)
    documents = with_text = 0
    last = 0
    while batch := list(session.scalars(
        select(Document).where(Document.id > last).order_by(Document.id).limit(BATCH)
    )):  # fmt: skip
        entries = build_entries(session, batch, read_texts(session, batch))
        backend.index_many(session, entries)
        documents += len(entries)
        with_text += sum(1 for e in entries if e.body)
        last = batch[-1].id
        session.expunge_all()  # read-only here: keep memory flat over a large register
        progress(len(entries))
    return Reindexed(documents, with_text)


def refresh(session: Session, progress: Progress = _ignore) -> int:
    """Re-feed the full-text structures from ``search_entries`` (after a schema change)."""
    backend = backend_for(session)
    backend.reset(session)
    count = last = 0
    document_id = search_entries.c.document_id
    while rows := session.execute(
        select(search_entries).where(document_id > last).order_by(document_id).limit(BATCH)
    ).all():
        entries = [IndexEntry(**row._asdict()) for row in rows]
        backend.index_many(session, entries)
        count += len(entries)
        last = entries[-1].document_id
        progress(len(entries))
    return count
