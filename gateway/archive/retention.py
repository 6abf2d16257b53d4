"""Retention periods (thời hạn bảo quản) per document type, from ``rules/retention.toml``.

The catalogue is validated on load (errors name the file and the key). A document's period
is stored on its row the first time it is archived (``assign``), so a later change of the
rules does not silently shorten what an earlier export promised the archive.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.orm import Session

from gateway.db.models import Document
from gateway.errors import RulesError

FILE = "retention.toml"
# A rules folder without retention.toml (a fresh deployment, a test) uses the shipped one.
DEFAULT_RULES_DIR = Path(__file__).resolve().parents[2] / "rules"
PERMANENT = "permanent"
Keep = Literal["permanent", 70, 50, 20, 10, 5]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Period(_Model):
    keep: Keep
    types: list[str] = Field(min_length=1)
    systems: list[Literal["state", "party"]] = ["state", "party"]


class RetentionFile(_Model):
    default: Keep
    period: list[Period] = []


def stored(keep: Keep) -> str:
    """The value kept in ``documents.retention``: "permanent" or the years ("20")."""
    return keep if isinstance(keep, str) else str(keep)


def label(value: str | None) -> str:
    """The period as the archive writes it: "Vĩnh viễn", "20 năm" (empty when unknown)."""
    if value is None:
        return ""
    return "Vĩnh viễn" if value == PERMANENT else f"{value} năm"


@dataclass(frozen=True)
class Retention:
    rules: RetentionFile

    def period_for(self, doc_type: str | None, system: str | None) -> str:
        for period in self.rules.period:
            if doc_type in period.types and (system is None or system in period.systems):
                return stored(period.keep)
        return stored(self.rules.default)


def load(rules_dir: Path) -> Retention:
    """The catalogue in ``rules_dir`` (else the shipped default), validated."""
    path = rules_dir / FILE
    if not path.exists():
        path = DEFAULT_RULES_DIR / FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RulesError(f"{path}: file not found") from exc
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RulesError(f"{path}: cannot read: {exc}") from exc
    try:
        return Retention(RetentionFile.model_validate(data))
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(p) for p in first["loc"])
        raise RulesError(f"{path}: key {key}: {first['msg']}") from exc


def assign(session: Session, retention: Retention, documents: list[Document]) -> list[Document]:
    """Give each document without a period the catalogue's; returns those that got one."""
    changed = []
    for document in documents:
        if document.retention is None:
            document.retention = retention.period_for(document.doc_type, document.system)
            changed.append(document)
    session.flush()
    return changed


_cache: dict[tuple[str, float], Retention] = {}


def cached(rules_dir: Path) -> Retention:
    """``load``, kept until the file changes (the pipeline asks for it per message)."""
    path = rules_dir / FILE if (rules_dir / FILE).exists() else DEFAULT_RULES_DIR / FILE
    key = (str(path), path.stat().st_mtime if path.exists() else 0.0)
    if key not in _cache:
        _cache.clear()
        _cache[key] = load(rules_dir)
    return _cache[key]
