"""`gateway rules check` and `gateway rules test FILE.eml`: validate rules/, dry-run routing.

Both store nothing. `check` names file, line and key of every problem; `test` shows what
classification finds in a message and how each document would be routed, and why.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click

from gateway.cli.common import Context, command
from gateway.config import load_settings
from gateway.errors import GatewayError, RulesError
from gateway.pipeline.catalogue import load_catalogue
from gateway.routing.rules import DEFAULT_RULES_DIR, Issue, check_rules, rules_folder


@click.group(help="Routing rules, directory and calendar in rules/.")
def rules() -> None:
    pass


@command(rules, name="check", help="Validate everything in rules/; errors name file, line, key.")
def check(ctx: Context) -> None:
    settings = load_settings(ctx.config_path)
    folder = settings.path(settings.rules.dir)
    issues: list[Issue] = []
    catalogue_dir = folder if (folder / "doctypes.toml").exists() else DEFAULT_RULES_DIR
    try:
        load_catalogue(catalogue_dir)
    except RulesError as exc:
        issues.append(Issue(str(catalogue_dir), None, "-", str(exc)))
    routing_dir = rules_folder(folder)
    _, found = check_rules(routing_dir)
    issues += found
    orgs = {o.code for o in settings.organisations}
    data = {"ok": not issues, "folder": str(routing_dir),
            "issues": [{"file": i.file, "line": i.line, "key": i.key, "message": i.message}
                       for i in issues]}  # fmt: skip
    ctx.emit(data, lambda: "\n".join(map(str, issues)) if issues
             else f"rules in {routing_dir}: OK ({len(orgs)} organisations configured)")  # fmt: skip
    if issues:
        raise RulesError(f"{len(issues)} problem(s) in {routing_dir}: fix them and run again")


@command(rules, name="test", help="Dry run: classification plus routing of FILE.eml, and why.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--mailbox", default=None, help="Receiving mailbox (default: the To: address).")
@click.option("--date", "on", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Registration date for deadlines (default: today).")  # fmt: skip
def test(ctx: Context, file: Path, mailbox: str | None, on: dt.datetime | None) -> None:
    # Imported here: `rules check` needs none of the pipeline (PDF, signatures, routing).
    from gateway.pipeline.report import findings_to_dict, findings_to_text
    from gateway.pipeline.steps import read_eml
    from gateway.routing.engine import choose_book, decide
    from gateway.routing.step import facts_from_found

    settings = load_settings(ctx.config_path)
    message, findings = read_eml(settings, file)
    folder = settings.path(settings.rules.dir)
    org = None
    for address in [mailbox] if mailbox else message.to:
        org = settings.organisation_for(address or "")
        if org is not None:
            mailbox = address
            break
    if org is None:
        raise GatewayError("no configured organisation receives this message: give --mailbox")
    routing_rules = check_rules(rules_folder(folder))
    if routing_rules[0] is None:
        raise RulesError("; ".join(map(str, routing_rules[1])))
    day = on.date() if on else dt.datetime.now(org.zone).date()
    data: dict[str, Any] = findings_to_dict(message, findings)
    data["routing"] = []
    lines = [findings_to_text(message, findings), "", "Định tuyến:"]
    for position, found in enumerate(findings.documents):
        facts = facts_from_found(found, message, mailbox, org.code)
        decision = decide(routing_rules[0], facts, day)
        book = choose_book(routing_rules[0], facts)
        data["documents"][position]["book"] = book.code if book else org.incoming_book
        lines.append(f"  [{position}] sổ {book.code if book else org.incoming_book}"
                     + (f": {book.why}" if book else " (sổ mặc định)"))
        for planned in decision.assignments:
            data["routing"].append({**planned.to_json(), "document": position})
            lines.append(f"  [{position}] {planned.assignee} ({planned.role}) hạn "
                         f"{planned.deadline or '-'}: {planned.why}")  # fmt: skip
        for reason, kind in ((decision.hold, "hold"), (decision.returned, "return")):
            if reason:
                rule = decision.matched[-1][0] if decision.matched else None
                data["routing"].append({"assignee": None, "role": kind, "deadline": None,
                                        "rule": rule, "why": reason, "document": position})
                lines.append(f"  [{position}] {kind}: {reason}")
    ctx.emit(data, lambda: "\n".join(lines))
