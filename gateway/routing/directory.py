"""The units and people that rules assign to (rules/directory.toml), and who heads what."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field

Code = str


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


CODE_PATTERN = r"^[a-z0-9][a-z0-9-]*$"


class Unit(_Model):
    code: Code = Field(pattern=CODE_PATTERN)
    org: str = Field(min_length=1)
    name: str = Field(min_length=1)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    head: Code | None = None


class Person(_Model):
    code: Code = Field(pattern=CODE_PATTERN)
    name: str = Field(min_length=1)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    unit: Code
    title: str = ""
    digest: bool = False  # a daily summary of open assignments


class DirectoryFile(_Model):
    unit: list[Unit] = []
    person: list[Person] = []


@dataclass(frozen=True)
class Contact:
    """Whoever an assignment names: a unit or a person, and where mail for it goes."""

    code: str
    name: str
    email: str
    org: str
    kind: str  # unit | person


@dataclass
class Directory:
    units: dict[str, Unit] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)
    source: DirectoryFile = field(default_factory=DirectoryFile)

    @classmethod
    def from_file(cls, data: DirectoryFile) -> Directory:
        return cls({u.code: u for u in data.unit}, {p.code: p for p in data.person}, data)

    def problems(self) -> list[tuple[str, str]]:
        """(key path, message) for broken references and codes used twice."""
        found: list[tuple[str, str]] = []
        seen: set[str] = set()
        codes = [("unit", i, u.code) for i, u in enumerate(self.source.unit)]
        codes += [("person", i, p.code) for i, p in enumerate(self.source.person)]
        for kind, i, code in codes:
            if code in seen:
                found.append((f"{kind}.{i}.code", f"code {code!r} is used twice"))
            seen.add(code)
        for i, unit in enumerate(self.source.unit):
            if unit.head is not None and unit.head not in self.people:
                found.append((f"unit.{i}.head", f"no person {unit.head!r} in the directory"))
        for i, person in enumerate(self.source.person):
            if person.unit not in self.units:
                found.append((f"person.{i}.unit", f"no unit {person.unit!r} in the directory"))
        return found

    def contact(self, code: str) -> Contact | None:
        if (unit := self.units.get(code)) is not None:
            return Contact(unit.code, unit.name, unit.email, unit.org, "unit")
        if (person := self.people.get(code)) is not None:
            org = self.units[person.unit].org if person.unit in self.units else ""
            return Contact(person.code, person.name, person.email, org, "person")
        return None

    def head_of(self, code: str) -> Contact | None:
        """The head of a unit, or of a person's unit (escalation goes there)."""
        unit_code = code if code in self.units else getattr(self.people.get(code), "unit", None)
        unit = self.units.get(unit_code or "")
        if unit is None or unit.head is None or unit.head == code:
            return None
        return self.contact(unit.head)

    def name(self, code: str) -> str:
        found = self.contact(code)
        return found.name if found else code
