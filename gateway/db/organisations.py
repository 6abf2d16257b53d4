"""Organisations, their mailboxes and register books, as the configuration defines them."""

from __future__ import annotations

from sqlalchemy import select

from gateway.config import Settings
from gateway.db.engine import Database
from gateway.db.models import Mailbox, Organisation
from gateway.pipeline.register import book_for


def sync_organisations(db: Database, settings: Settings) -> None:
    """Make the database's organisations, mailboxes and books match the configuration."""
    with db.transaction() as session:
        for org in settings.organisations:
            row = session.scalars(
                select(Organisation).where(Organisation.code == org.code)
            ).one_or_none()
            if row is None:
                row = Organisation(code=org.code, name=org.name, system=org.system, timezone="")
                session.add(row)
            row.name, row.system, row.timezone = org.name, org.system, org.timezone
            session.flush()
            for address in org.mailboxes:
                mailbox = session.scalars(
                    select(Mailbox).where(Mailbox.address == address)
                ).one_or_none()
                if mailbox is None:
                    session.add(Mailbox(organisation_id=row.id, address=address))
                else:
                    mailbox.organisation_id = row.id
            book_for(session, row.id, org.incoming_book)
