"""Routing rules, directory and calendar from rules/: schema, loading, reload with last-good.

``rules/routing.toml`` holds the ordered rules, per-organisation settings (default rule,
acknowledgement, reminders) and how urgency shortens deadlines; ``directory.toml`` the units and
people; ``calendar.toml`` the working calendar. Everything is validated on load and every
problem names file, line and key. A file changed on disk is reloaded at the next use; when the
new version is invalid the last good rules stay in force and the reason is logged.
"""

from __future__ import annotations

import logging
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from gateway.errors import RulesError
from gateway.routing.calendar import CalendarFile, WorkCalendar
from gateway.routing.directory import Directory, DirectoryFile
from gateway.routing.locate import locate

log = logging.getLogger(__name__)

System = Literal["party", "state"]
Urgency = Literal["normal", "urgent", "very_urgent", "flash"]
Secrecy = Literal["none", "confidential", "secret", "top_secret"]
Trust = Literal["verified", "authenticated", "unverified", "failed"]

FILES = ("routing.toml", "directory.toml", "calendar.toml")
DEFAULT_RULES_DIR = Path(__file__).resolve().parents[2] / "rules"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class When(_Model):
    """All given conditions must hold; each list holds when any of its values does."""

    sender: list[str] = []  # address patterns: "*@tinhuy.hagiang.dcs.vn"
    mailbox: list[str] = []  # the receiving official mailbox
    issuer: list[str] = []  # issuer names ("*" allowed), diacritic- and case-insensitive
    doc_type: list[str] = []
    system: list[System] = []
    urgency: list[Urgency] = []
    secrecy: list[Secrecy] = []
    trust: list[Trust] = []
    summary_contains: list[str] = []  # diacritic- and case-insensitive
    text_contains: list[str] = []  # in the document's text (or the summary when unread)
    subject_matches: list[str] = []  # regular expressions on the mail's subject

    @field_validator("subject_matches")
    @classmethod
    def _compiles(cls, value: list[str]) -> list[str]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from None
        return value


class Assign(_Model):
    lead: str | None = None  # chủ trì
    cooperate: list[str] = []  # phối hợp
    inform: list[str] = []  # để biết


class Then(_Model):
    deadline_days: int | None = Field(default=None, ge=0, le=365)  # working days
    deadline_from_text: bool = False  # "báo cáo trước ngày 15/12/2026" in the document
    book: str | None = None  # register book for documents this rule matches
    priority: Literal["low", "normal", "high"] | None = None
    tags: list[str] = []
    hold: str | None = None  # held for the clerk, with this reason: no automatic assignment
    return_to_sender: str | None = None  # returned (wrong unit, failed check), with this reason
    stop: bool = False


class Rule(_Model):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    org: str | None = None
    description: str = ""
    when: When = When()
    assign: Assign = Assign()
    then: Then = Then()


class OrgRouting(_Model):
    """Per organisation: the default rule, acknowledgements and reminders."""

    code: str
    clerk: str  # gets documents held for the clerk (văn thư)
    default_lead: str | None = None  # the default rule: when no rule names a lead
    default_inform: list[str] = []
    default_deadline_days: int | None = Field(default=10, ge=0)
    hold_secret: bool = True  # secret documents never travel by mail: hold them
    acknowledge: bool = True  # tell the sender the same day its document arrived
    ack_max_per_hour: int = Field(default=20, ge=0)  # per sender address
    remind_days_before: int = Field(default=2, ge=0)  # working days before the deadline
    escalate_overdue: bool = True  # overdue reminders go to the unit head too
    notify_assignees: bool = True


class Book(_Model):
    """A register book a rule may choose (sổ đăng ký riêng: văn bản mật, đơn thư, ...)."""

    code: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]*$")
    name: str  # printed on the register book: "Sổ đăng ký văn bản đến mật"
    org: str | None = None  # None: every organisation may use it


class RoutingFile(_Model):
    # Urgency caps the deadline at this many working days (0: the day of registration).
    urgency_max_days: dict[Urgency, int] = {"urgent": 3, "very_urgent": 1, "flash": 0}
    # Phrases after which a document writes its own deadline ("báo cáo trước ngày 15/12/2026").
    deadline_phrases: list[str] = ["trước ngày", "chậm nhất ngày", "chậm nhất là ngày",
                                   "hạn chót", "không muộn hơn ngày"]
    organisation: list[OrgRouting] = []
    book: list[Book] = []
    rule: list[Rule] = []


@dataclass(frozen=True)
class Issue:
    file: str
    line: int | None
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line or '?'}: {self.key}: {self.message}"


@dataclass
class RoutingRules:
    """Everything routing needs, validated."""

    rules: list[Rule]
    orgs: dict[str, OrgRouting]
    urgency_max_days: dict[str, int]
    deadline_phrases: list[str]
    directory: Directory
    calendar: WorkCalendar
    folder: Path = field(default=DEFAULT_RULES_DIR)
    books: list[Book] = field(default_factory=list)

    def for_org(self, org: str) -> list[Rule]:
        return [r for r in self.rules if r.org in (None, org)]

    def book(self, org: str, code: str) -> Book | None:
        """The register book ``code`` as ``org`` may use it (its own definition first)."""
        usable = [b for b in self.books if b.code == code and b.org in (None, org)]
        return min(usable, key=lambda b: b.org is None, default=None)

    def settings(self, org: str) -> OrgRouting | None:
        return self.orgs.get(org)


def _nfc(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [_nfc(v) for v in value]
    if isinstance(value, dict):
        return {_nfc(k): _nfc(v) for k, v in value.items()}
    return value


def _read(path: Path, model: type[BaseModel], issues: list[Issue]) -> tuple[Any, str]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        issues.append(Issue(str(path), None, "-", f"cannot read: {exc.strerror or exc}"))
        return None, ""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)
        issues.append(Issue(str(path), line, "-", f"invalid TOML: {exc}"))
        return None, text
    try:
        return model.model_validate(_nfc(data)), text
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            key = ".".join(str(p) for p in loc)
            issues.append(Issue(str(path), locate(text, loc), key, err["msg"]))
        return None, text


def _cross_check(
    routing: RoutingFile, directory: Directory, text: str, dir_text: str, folder: Path
) -> list[Issue]:
    issues: list[Issue] = []
    rpath, dpath = str(folder / "routing.toml"), str(folder / "directory.toml")

    def add(loc: tuple[str | int, ...], message: str, in_directory: bool = False) -> None:
        source = dir_text if in_directory else text
        issues.append(Issue(dpath if in_directory else rpath, locate(source, loc),
                            ".".join(map(str, loc)), message))  # fmt: skip

    for key, message in directory.problems():
        add(tuple(int(p) if p.isdigit() else p for p in key.split(".")), message, True)

    def known(loc: tuple[str | int, ...], code: str | None, org: str | None) -> None:
        if code is None:
            return
        contact = directory.contact(code)
        if contact is None:
            add(loc, f"no unit or person {code!r} in directory.toml")
        elif org is not None and contact.org != org:
            add(loc, f"{code!r} belongs to organisation {contact.org!r}, not {org!r}")

    books: set[tuple[str | None, str]] = set()
    for i, book in enumerate(routing.book):
        if (book.org, book.code) in books:
            add(("book", i, "code"), f"register book {book.code!r} is declared twice")
        books.add((book.org, book.code))

    def declared(loc: tuple[str | int, ...], code: str | None, org: str | None) -> None:
        usable = (None, code) in books or (org is not None and (org, code) in books)
        if code is not None and not usable:
            add(loc, f"no register book {code!r} declared in [[book]]"
                     + (f" for organisation {org!r}" if org else " for every organisation"))

    seen: set[str] = set()
    for i, rule in enumerate(routing.rule):
        if rule.id in seen:
            add(("rule", i, "id"), f"rule id {rule.id!r} is used twice")
        seen.add(rule.id)
        declared(("rule", i, "then", "book"), rule.then.book, rule.org)
        known(("rule", i, "assign", "lead"), rule.assign.lead, rule.org)
        for role in ("cooperate", "inform"):
            for j, code in enumerate(getattr(rule.assign, role)):
                known(("rule", i, "assign", role, j), code, rule.org)
    for i, org in enumerate(routing.organisation):
        known(("organisation", i, "clerk"), org.clerk, org.code)
        known(("organisation", i, "default_lead"), org.default_lead, org.code)
        for j, code in enumerate(org.default_inform):
            known(("organisation", i, "default_inform", j), code, org.code)
    return issues


def check_rules(folder: Path) -> tuple[RoutingRules | None, list[Issue]]:
    """Validate the three files; the rules when they are all valid, and every problem found."""
    issues: list[Issue] = []
    routing, text = _read(folder / "routing.toml", RoutingFile, issues)
    directory_file, dir_text = _read(folder / "directory.toml", DirectoryFile, issues)
    calendar_file, _ = _read(folder / "calendar.toml", CalendarFile, issues)
    if routing is None or directory_file is None or calendar_file is None:
        return None, issues
    directory = Directory.from_file(directory_file)
    issues += _cross_check(routing, directory, text, dir_text, folder)
    if issues:
        return None, issues
    rules = RoutingRules(
        rules=list(routing.rule),
        orgs={o.code: o for o in routing.organisation},
        urgency_max_days=dict(routing.urgency_max_days),
        deadline_phrases=list(routing.deadline_phrases),
        directory=directory,
        calendar=WorkCalendar.from_file(calendar_file),
        folder=folder,
        books=list(routing.book),
    )
    return rules, []


def load_rules(folder: Path) -> RoutingRules:
    rules, issues = check_rules(folder)
    if rules is None:
        raise RulesError("; ".join(map(str, issues)))
    return rules


def rules_folder(folder: Path) -> Path:
    """``folder``, or the project's shipped rules when it holds no routing files."""
    return folder if (folder / "routing.toml").exists() else DEFAULT_RULES_DIR


_stamps: dict[Path, tuple[float | None, ...]] = {}
_good: dict[Path, RoutingRules] = {}
last_error: dict[Path, str] = {}


def current_rules(folder: Path) -> RoutingRules:
    """The rules of ``folder``, reloaded when a file changed; the last good ones if invalid."""
    folder = rules_folder(folder)
    stamp = tuple(
        (folder / name).stat().st_mtime_ns if (folder / name).exists() else None for name in FILES
    )
    if _stamps.get(folder) == stamp and folder in _good:
        return _good[folder]
    try:
        rules = load_rules(folder)
    except RulesError as exc:
        if folder not in _good:
            raise
        if last_error.get(folder) != str(exc):
            log.warning("routing rules in %s are invalid, keeping the last good ones: %s",
                        folder, exc)  # fmt: skip
        last_error[folder] = str(exc)
        _stamps[folder] = stamp
        return _good[folder]
    _good[folder], _stamps[folder] = rules, stamp
    last_error.pop(folder, None)
    return rules
