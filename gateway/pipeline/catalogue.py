"""The document conventions and organisations directory, loaded once from ``rules/``.

``rules/doctypes.toml`` holds the type catalogue (State and Party) and the marks printed on
documents; ``rules/organisations.toml`` holds how bodies are named and who sends from which
mailbox. Both are validated on load: an error names the file and the key.
"""

from __future__ import annotations

import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gateway.errors import RulesError

System = Literal["state", "party"]


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DocTypeEntry(_Model):
    code: str = Field(min_length=1)
    name: str = Field(min_length=1)
    systems: list[System] = Field(min_length=1)
    titles: list[str] = []
    abbreviations: list[str] = []


class Mark(_Model):
    mark: str = Field(min_length=1)
    value: str = Field(min_length=1)


class Conventions(_Model):
    letter_code: str = "CV"
    letter_summary_prefixes: list[str] = ["V/v", "Về việc"]
    state_mottos: list[str] = []
    party_mottos: list[str] = []
    urgency: list[Mark] = []
    secrecy: list[Mark] = []
    appendix_titles: list[str] = []
    body_starts: list[str] = []
    signature_box: list[str] = []


class DocTypesFile(_Model):
    doctype: list[DocTypeEntry] = Field(min_length=1)
    conventions: Conventions = Conventions()


class Naming(_Model):
    abbreviations: dict[str, str] = {}
    admin_units: list[str] = []
    phrases: list[str] = []
    place_after: list[str] = []
    not_units: list[str] = []
    modern_tone_marks: bool = True


class BodyWords(_Model):
    starts: list[str] = Field(min_length=1)
    complete: Literal["superior", "place", "never"]


class Organisation(_Model):
    name: str = Field(min_length=1)
    system: System | None = None
    code: str | None = None  # mã định danh
    aliases: list[str] = []
    domains: list[str] = []
    mailboxes: list[str] = []
    abbreviation: str | None = None


class OrganisationsFile(_Model):
    naming: Naming = Naming()
    body: list[BodyWords] = []
    organisation: list[Organisation] = []


@dataclass(frozen=True)
class DocType:
    code: str
    name: str
    system: str


@dataclass
class Catalogue:
    """Everything the readers need to know about Vietnamese documents, as typed data."""

    doctypes: list[DocTypeEntry]
    conventions: Conventions
    naming: Naming
    bodies: list[BodyWords]
    organisations: list[Organisation]
    by_title: dict[tuple[str, str], DocType] = field(default_factory=dict)
    by_abbreviation: dict[tuple[str, str], DocType] = field(default_factory=dict)
    official_case: dict[str, str] = field(default_factory=dict)  # upper -> official case

    def __post_init__(self) -> None:
        for entry in self.doctypes:
            for system in entry.systems:
                doc = DocType(entry.code, entry.name, system)
                for title in entry.titles:
                    self.by_title.setdefault((system, title.upper()), doc)
                for abbr in entry.abbreviations or [entry.code]:
                    self.by_abbreviation.setdefault((system, abbr.upper()), doc)
                    self.official_case.setdefault(abbr.upper(), abbr)

    def titles(self) -> set[str]:
        return {title for (_system, title) in self.by_title}

    def doctype_for_title(self, title: str, system: str | None) -> DocType | None:
        title = title.upper()
        for sys_ in ([system] if system else []) + ["state", "party"]:
            if (found := self.by_title.get((sys_, title))) is not None:
                return found
        return None

    def doctype_for_abbreviation(self, abbr: str, system: str | None) -> DocType | None:
        abbr = abbr.upper()
        for sys_ in ([system] if system else []) + ["state", "party"]:
            if (found := self.by_abbreviation.get((sys_, abbr))) is not None:
                return found
        return None

    def letter(self, system: str | None) -> DocType:
        code = self.conventions.letter_code
        found = self.doctype_for_abbreviation(code, system)
        return found or DocType(code, "Công văn", system or "state")


def _load(path: Path, model: type[BaseModel]) -> BaseModel:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError as exc:
        raise RulesError(f"{path}: file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{path}: invalid TOML: {exc}") from exc
    try:
        return model.model_validate(_nfc_tree(data))
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(p) for p in first["loc"])
        raise RulesError(f"{path}: key {key}: {first['msg']}") from exc


def _nfc_tree(value: object) -> object:
    if isinstance(value, str):
        return nfc(value)
    if isinstance(value, list):
        return [_nfc_tree(v) for v in value]
    if isinstance(value, dict):
        return {nfc(str(k)): _nfc_tree(v) for k, v in value.items()}
    return value


def load_catalogue(rules_dir: Path) -> Catalogue:
    """Load and validate ``doctypes.toml`` and ``organisations.toml`` from ``rules_dir``."""
    types = _load(rules_dir / "doctypes.toml", DocTypesFile)
    orgs = _load(rules_dir / "organisations.toml", OrganisationsFile)
    assert isinstance(types, DocTypesFile) and isinstance(orgs, OrganisationsFile)
    return Catalogue(
        doctypes=types.doctype,
        conventions=types.conventions,
        naming=orgs.naming,
        bodies=orgs.body,
        organisations=orgs.organisation,
    )


DEFAULT_RULES_DIR = Path(__file__).resolve().parents[2] / "rules"
RULE_FILES = ("doctypes.toml", "organisations.toml")
_cache: dict[tuple[tuple[str, float], ...], Catalogue] = {}


def cached_catalogue(rules_dir: Path) -> Catalogue:
    """The catalogue for ``rules_dir``, loaded once and reloaded when a file changes.

    A rules folder without these files (a fresh deployment, a test) uses the defaults shipped
    in the project's ``rules/`` folder.
    """
    folder = rules_dir if all((rules_dir / f).exists() for f in RULE_FILES) else DEFAULT_RULES_DIR
    key = tuple((str(folder / f), (folder / f).stat().st_mtime) for f in RULE_FILES)
    if key not in _cache:
        _cache.clear()
        _cache[key] = load_catalogue(folder)
    return _cache[key]
