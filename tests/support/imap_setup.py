"""An App configured to poll a test Dovecot account, with counting helpers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from gateway.app import App
from gateway.config import Settings, load_settings
from gateway.db.models import Delivery, Document, ImapFolderState, InboundMessage
from gateway.intake.imap import FetchReport
from gateway.intake.imap_poller import Poller
from gateway.intake.store import Intake
from tests.support.dovecot import Dovecot, write_imap_config


class ImapSetup:
    """gateway.toml + initialised App for one or more accounts on ``server``.

    Without ``accounts``, one account for a fresh user receiving for the Party mailbox.
    """

    def __init__(
        self,
        directory: Path,
        database_url: str,
        server: Dovecot,
        accounts: list[dict[str, Any]] | None = None,
        sections: dict[str, dict[str, Any]] | None = None,
        **account_options: Any,
    ) -> None:
        self.server = server
        self.user = server.new_user()
        if accounts is None:
            accounts = [{"username": self.user, **account_options}]
        self.config = write_imap_config(
            directory, database_url, server, accounts, **(sections or {})
        )
        self.settings: Settings = load_settings(self.config)
        self.app = App(self.settings)
        self.app.init()
        self.intake = Intake(self.settings, self.app.db, self.app.blobs)

    def fetch_once(self, index: int = 0, intake: Intake | None = None) -> FetchReport:
        return Poller(self.settings, self.settings.imap[index], intake or self.intake).fetch_once()

    def count(self, model: type) -> int:
        with self.app.db.transaction() as session:
            return session.scalar(select(func.count()).select_from(model)) or 0

    def messages(self) -> int:
        return self.count(InboundMessage)

    def deliveries(self) -> int:
        return self.count(Delivery)

    def documents(self) -> int:
        return self.count(Document)

    def stored_message_ids(self) -> list[str]:
        with self.app.db.transaction() as session:
            return [m or "" for m in session.scalars(select(InboundMessage.message_id))]

    def folder_state(self) -> tuple[int, int] | None:
        with self.app.db.transaction() as session:
            row = session.scalars(select(ImapFolderState)).first()
            return None if row is None else (row.uidvalidity, row.highest_uid)

    def close(self) -> None:
        self.app.close()
