"""Typed configuration, parsed once from TOML and passed in.

Every key is documented in ``config.example.toml``; the built-in defaults equal that file
(a test checks it). Unknown keys and wrong types are errors naming the file, the key path and
the expected type. Secrets may be given literally, as ``*_file`` (a path) or as ``*_env`` (an
environment variable name); relative paths are relative to the configuration file.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from gateway.errors import ConfigError

DEFAULT_CONFIG_NAME = "gateway.toml"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


HostPort = Annotated[str, Field(pattern=r"^.+:\d{1,5}$")]


class StorageConfig(_Section):
    root: str = "archive"
    database_url: str = ""
    # Seconds a worker may hold a claimed message before another worker takes it over.
    claim_timeout: int = Field(default=600, ge=10)
    # Seconds to wait for a locked database before giving up (SMTP then answers 451).
    lock_timeout: int = Field(default=30, ge=1)
    # Raw messages up to this many bytes are committed into the database (the raw spool) with
    # their row, one flush per batch; a background spooler moves them to the blob store.
    # Larger ones are written to the blob store first. 0: never spool.
    spool_max: int = Field(default=131_072, ge=0)


class SmtpConfig(_Section):
    enabled: bool = True
    listen: HostPort = "127.0.0.1:2525"
    max_message_size: int = Field(default=26_214_400, ge=1024)
    hostname: str = ""
    tls_cert: str = ""
    tls_key: str = ""
    require_tls: bool = False
    # Commit intake in groups: messages that arrive together share one database commit.
    max_batch: int = Field(default=64, ge=1)


class OutgoingConfig(_Section):
    relay: HostPort = "127.0.0.1:25"
    # -- delivery through the relay (gateway.outgoing.delivery) --
    starttls: bool = False
    tls_ca: str = ""
    username: str = ""
    password: str = ""
    password_file: str = ""
    password_env: str = ""
    helo: str = ""
    timeout: int = Field(default=60, ge=1)
    max_attempts: int = Field(default=10, ge=1)
    retry_base_seconds: int = Field(default=60, ge=1)
    claim_timeout: int = Field(default=300, ge=10)


class RulesConfig(_Section):
    dir: str = "rules"


class PipelineConfig(_Section):
    workers: int = Field(default=1, ge=0)
    max_attempts: int = Field(default=8, ge=1)
    retry_base_seconds: int = Field(default=30, ge=1)
    # Limits against hostile input: nesting of attached messages and archives, total parts.
    max_depth: int = Field(default=5, ge=1)
    max_parts: int = Field(default=500, ge=1)


class SchedulerConfig(_Section):
    # Seconds between reminder/escalation passes inside `gateway serve` (0: only by cron).
    remind_interval: int = Field(default=900, ge=0)


class SigningConfig(_Section):
    pkcs12: str
    passphrase: str = ""
    passphrase_file: str = ""
    passphrase_env: str = ""


class OrganisationConfig(_Section):
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    system: Literal["party", "state"]
    mailboxes: list[str] = Field(min_length=1)
    timezone: str = "Asia/Ho_Chi_Minh"
    incoming_book: str = "VBD"
    signing: SigningConfig | None = None
    trust_roots: list[str] = []
    # -- outgoing documents (gateway.outgoing.numbering, gateway.outgoing.reply) --
    outgoing_book: str = "VBDI"
    # auto: State numbers per calendar year, Party per document type within the term.
    numbering: Literal["auto", "calendar_year", "type_per_term"] = "auto"
    term_start: str = Field(default="2025-01-01", pattern=r"^\d{4}-\d{2}-\d{2}$")
    symbol_template: str = "{number:02d}/{type}"
    symbol_templates: dict[str, str] = {}
    default_type: str = "CV"
    allow_unsigned: bool = False
    signer_name: str = ""
    visible_stamp: bool = True

    @field_validator("mailboxes")
    @classmethod
    def _lower_mailboxes(cls, value: list[str]) -> list[str]:
        for address in value:
            if "@" not in address:
                raise ValueError(f"expected an e-mail address, got {address!r}")
        return [address.strip().lower() for address in value]

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class ImapConfig(_Section):
    organisation: str
    mailbox: str
    host: str
    port: int = Field(default=993, ge=1, le=65535)
    security: Literal["tls", "starttls", "none"] = "tls"
    username: str
    password: str = ""
    password_file: str = ""
    password_env: str = ""
    oauth2_token_file: str = ""
    folder: str = "INBOX"
    # A keyword is an IMAP atom (ASCII); folders may be Vietnamese (sent as modified UTF-7).
    after: str = Field(
        default="move:Processed", pattern=r"^(move:.+|flag:\\?[A-Za-z0-9$_.\-]+|keep)$"
    )
    poll_interval: int = Field(default=60, ge=1)
    idle: bool = True
    batch_size: int = Field(default=50, ge=1)
    tls_ca: str = ""
    timeout: int = Field(default=60, ge=1)
    # RFC 2177 asks for a new IDLE at least every 29 minutes; firewalls often drop sooner.
    idle_renew: int = Field(default=600, ge=10, le=1740)

    @field_validator("mailbox")
    @classmethod
    def _lower_mailbox(cls, value: str) -> str:
        if "@" not in value:
            raise ValueError(f"expected an e-mail address, got {value!r}")
        return value.strip().lower()

    @model_validator(mode="after")
    def _one_credential(self) -> ImapConfig:
        given = [
            k
            for k in ("password", "password_file", "password_env", "oauth2_token_file")
            if getattr(self, k)
        ]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of password, password_file, password_env, oauth2_token_file"
                f" (got {', '.join(given) or 'none'})"
            )
        if self.after == f"move:{self.folder}":
            raise ValueError(f"after = {self.after!r} would move messages into the watched folder")
        return self

    @property
    def account(self) -> str:
        """The account's name in the database and the logs: user@host."""
        return f"{self.username}@{self.host}"


def _default_organisations() -> list[OrganisationConfig]:
    return [
        OrganisationConfig(
            code="huyenuy-meovac",
            name="Huyện ủy Mèo Vạc",
            system="party",
            mailboxes=["vanthu@huyenuy.meovac.hagiang.dcs.vn"],
            symbol_template="{number:02d}-{type}/HU",
        )
    ]


class Settings(_Section):
    storage: StorageConfig = StorageConfig()
    smtp: SmtpConfig = SmtpConfig()
    outgoing: OutgoingConfig = OutgoingConfig()
    rules: RulesConfig = RulesConfig()
    pipeline: PipelineConfig = PipelineConfig()
    scheduler: SchedulerConfig = SchedulerConfig()
    organisations: list[OrganisationConfig] = Field(default_factory=_default_organisations)
    imap: list[ImapConfig] = []
    # Directory that relative paths are resolved against (the configuration file's folder).
    base_dir: str = Field(default=".", exclude=True)

    # -- derived look-ups -------------------------------------------------------------

    def path(self, value: str) -> Path:
        """Resolve a configured path relative to the configuration file."""
        p = Path(value)
        return p if p.is_absolute() else Path(self.base_dir) / p

    @property
    def data_root(self) -> Path:
        return self.path(self.storage.root)

    @property
    def database_url(self) -> str:
        if self.storage.database_url:
            return self.storage.database_url
        return f"sqlite:///{(self.data_root / 'gateway.sqlite3').resolve()}"

    def organisation_for(self, mailbox: str) -> OrganisationConfig | None:
        address = mailbox.strip().lower()
        for org in self.organisations:
            if address in org.mailboxes:
                return org
        return None

    def organisation(self, code: str) -> OrganisationConfig:
        for org in self.organisations:
            if org.code == code:
                return org
        raise ConfigError(f"no organisation with code {code!r} in the configuration")


def _format_error(source: str, exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        path = ""
        for part in err["loc"]:
            path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
        kind = err["type"]
        if kind == "extra_forbidden":
            lines.append(f"{source}: {path}: unknown key")
        elif kind == "missing":
            lines.append(f"{source}: {path}: required key is missing")
        elif isinstance(err.get("input"), dict) or "pass" in path or "token" in path:
            # A whole section (or a secret) as "got": it could print a password.
            lines.append(f"{source}: {path}: {err['msg']}")
        else:
            lines.append(f"{source}: {path}: {err['msg']} (got {err.get('input')!r})")
    return "; ".join(lines)


def _check_cross_references(source: str, settings: Settings) -> None:
    seen: dict[str, str] = {}
    codes = set()
    for org in settings.organisations:
        if org.code in codes:
            raise ConfigError(f"{source}: organisations: code {org.code!r} is used twice")
        codes.add(org.code)
        for address in org.mailboxes:
            if address in seen:
                raise ConfigError(
                    f"{source}: organisations: mailbox {address!r} belongs to both "
                    f"{seen[address]!r} and {org.code!r}"
                )
            seen[address] = org.code
    watched: set[tuple[str, str]] = set()
    for i, account in enumerate(settings.imap):
        if account.organisation not in codes:
            raise ConfigError(
                f"{source}: imap[{i}].organisation: no organisation {account.organisation!r}"
            )
        if seen.get(account.mailbox) != account.organisation:
            raise ConfigError(
                f"{source}: imap[{i}].mailbox: {account.mailbox!r} is not a mailbox of "
                f"organisation {account.organisation!r}"
            )
        if (account.account, account.folder) in watched:
            raise ConfigError(
                f"{source}: imap[{i}]: {account.account} folder {account.folder!r} is polled twice"
            )
        watched.add((account.account, account.folder))


def parse_settings(data: dict[str, Any], source: str, base_dir: Path) -> Settings:
    """Validate a decoded TOML document into Settings."""
    try:
        settings = Settings.model_validate({**data, "base_dir": str(base_dir)})
    except ValidationError as exc:
        raise ConfigError(_format_error(source, exc)) from None
    _check_cross_references(source, settings)
    return settings


def load_settings(path: str | os.PathLike[str] | None = None) -> Settings:
    """Load the configuration: PATH, else $GATEWAY_CONFIG, else ./gateway.toml, else defaults."""
    if path is None:
        path = os.environ.get("GATEWAY_CONFIG") or None
        if path is None and Path(DEFAULT_CONFIG_NAME).is_file():
            path = DEFAULT_CONFIG_NAME
    if path is None:
        return parse_settings({}, "<built-in defaults>", Path.cwd())
    file = Path(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{file}: configuration file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: cannot read configuration: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: invalid TOML: {exc}") from None
    return parse_settings(data, str(file), file.resolve().parent)


def read_secret(settings: Settings, *, literal: str, file: str, env: str, what: str) -> str:
    """Return a secret from its literal value, a file or an environment variable."""
    if file:
        try:
            return settings.path(file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"{what}: cannot read secret file {file}: {exc.strerror}") from None
    if env:
        value = os.environ.get(env)
        if value is None:
            raise ConfigError(f"{what}: environment variable {env} is not set")
        return value
    return literal
