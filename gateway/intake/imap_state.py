"""How far each watched IMAP folder has been stored (service functions on ImapFolderState).

The state is written only inside the transaction that stores the messages it covers, so a
crash can never leave it claiming more than what is in the archive.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.db.engine import Database
from gateway.db.models import Delivery, ImapFolderState, utcnow

IN_LIST_CHUNK = 500  # keeps "uid IN (...)" under every backend's parameter limit


@dataclass(frozen=True)
class FolderState:
    uidvalidity: int
    highest_uid: int  # every UID up to this one is stored (or was gone when fetched)


def load(db: Database, account: str, folder: str) -> FolderState | None:
    with db.transaction() as session:
        row = session.scalars(
            select(ImapFolderState).where(
                ImapFolderState.account == account, ImapFolderState.folder == folder
            )
        ).one_or_none()
        return None if row is None else FolderState(row.uidvalidity, row.highest_uid)


def advance(
    session: Session, account: str, folder: str, uidvalidity: int, highest_uid: int
) -> None:
    """Record progress in the caller's transaction; a new UIDVALIDITY starts over."""
    row = session.scalars(
        select(ImapFolderState)
        .where(ImapFolderState.account == account, ImapFolderState.folder == folder)
        .with_for_update()
    ).one_or_none()
    if row is None:
        session.add(
            ImapFolderState(
                account=account,
                folder=folder,
                uidvalidity=uidvalidity,
                highest_uid=highest_uid,
                updated_at=utcnow(),
            )
        )
        return
    if row.uidvalidity != uidvalidity:
        row.uidvalidity, row.highest_uid = uidvalidity, highest_uid
    else:
        # Another poller of the same account may have got further: never go back.
        row.highest_uid = max(row.highest_uid, highest_uid)
    row.updated_at = utcnow()


def stored_uids(
    db: Database, account: str, folder: str, uidvalidity: int, uids: Iterable[int]
) -> set[int]:
    """Which of ``uids`` have a committed delivery: only those may be moved or flagged."""
    wanted = sorted(set(uids))
    found: set[int] = set()
    with db.transaction() as session:
        for start in range(0, len(wanted), IN_LIST_CHUNK):
            chunk = wanted[start : start + IN_LIST_CHUNK]
            found.update(
                uid
                for uid in session.scalars(
                    select(Delivery.imap_uid).where(
                        Delivery.imap_account == account,
                        Delivery.imap_folder == folder,
                        Delivery.imap_uidvalidity == uidvalidity,
                        Delivery.imap_uid.in_(chunk),
                    )
                )
                if uid is not None
            )
    return found
