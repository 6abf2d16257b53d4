"""A registered document's text read again from its stored main file (`gateway reindex --reread`).

The search index holds the only copy of a document's extracted text; the files it came from
are in the blob store, so the text can always be read again: after the index was lost, or when
text extraction has improved.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.archive.blobstore import BlobStore
from gateway.archive.search.entry import MAX_BODY
from gateway.db.models import Attachment, Document
from gateway.pipeline.message import Part
from gateway.pipeline.text.extract import whole_text

log = logging.getLogger(__name__)


def main_file_texts(blobs: BlobStore) -> Callable[[Session, list[Document]], dict[int, str]]:
    """A reader giving, for a batch of documents, the whole text of each one's main file."""

    def read(session: Session, documents: list[Document]) -> dict[int, str]:
        mains = session.scalars(select(Attachment).where(
            Attachment.document_id.in_([d.id for d in documents]), Attachment.role == "main",
        ))  # fmt: skip
        texts: dict[int, str] = {}
        for attachment in mains:
            assert attachment.document_id is not None  # selected by document
            try:
                with blobs.open(attachment.sha256) as stream:
                    data = stream.read()
            except OSError as exc:  # `gateway verify` names missing blobs; index what we can
                log.warning("document %s: main file %s unreadable: %s",
                            attachment.document_id, attachment.sha256, exc)  # fmt: skip
                continue
            part = Part(index=attachment.index, name=attachment.name,
                        declared_type=attachment.declared_type,
                        detected_type=attachment.detected_type,
                        disposition=attachment.disposition, content_id=None, data=data,
                        sha256=attachment.sha256)  # fmt: skip
            texts[attachment.document_id] = whole_text(part, MAX_BODY)
        return texts

    return read
