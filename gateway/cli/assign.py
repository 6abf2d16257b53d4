"""`gateway assign DOC_ID ...`: reassign a document by hand, recording who and why.

Also moves an assignment's status (``--status``) and returns a document to its sender
(``--return``), each recorded in the audit log with the person and the reason.
"""

from __future__ import annotations

import datetime as dt

import click

from gateway.archive.lookup import document_json, get_document
from gateway.cli.common import Context, command
from gateway.db.models import Organisation
from gateway.errors import GatewayError
from gateway.routing.ack import return_to_sender
from gateway.routing.assignments import assign as assign_rows
from gateway.routing.assignments import assignments_of, local_date, set_status
from gateway.routing.engine import Planned
from gateway.routing.rules import current_rules


@command(name="assign", help="Reassign DOC_ID (lead, co-operating, informed units) by hand.")
@click.argument("document_id", type=int)
@click.option("--lead", default=None, help="Unit or person code that leads (chủ trì).")
@click.option("--cooperate", multiple=True, help="Co-operating unit (phối hợp); repeatable.")
@click.option("--inform", multiple=True, help="Unit informed (để biết); repeatable.")
@click.option("--deadline", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--status", type=click.Choice(["open", "in_progress", "done"]), default=None,
              help="Set the status of --lead's assignment (or the lead's) instead.")  # fmt: skip
@click.option("--return", "return_reason", default=None, help="Return to the sender: reason.")
@click.option("--by", "by", required=True, help="Who decides (name of the leader/clerk).")
@click.option("--reason", required=True, help="Why (recorded in the audit log).")
def assign(
    ctx: Context, document_id: int, lead: str | None, cooperate: tuple[str, ...],
    inform: tuple[str, ...], deadline: dt.datetime | None, status: str | None,
    return_reason: str | None, by: str, reason: str,
) -> None:  # fmt: skip
    app = ctx.app
    app.require_initialised()
    rules = current_rules(app.settings.path(app.settings.rules.dir))
    with app.db.transaction() as session:
        document = get_document(session, document_id)
        org_code = session.get_one(Organisation, document.organisation_id).code
        org = app.settings.organisation(org_code)
        if return_reason:
            return_to_sender(session, app.blobs, app.settings, org, document, return_reason,
                             actor=by)  # fmt: skip
        elif status:
            rows = [
                a for a in assignments_of(session, document.id)
                if (a.assignee == lead if lead else a.role == "lead")
            ]
            if not rows:
                raise GatewayError(f"document {document_id} has no such assignment")
            set_status(session, rows[0], status, actor=by, note=reason)
        else:
            if lead is None:
                raise GatewayError("give --lead CODE (or --status / --return)")
            for code in (lead, *cooperate, *inform):
                contact = rules.directory.contact(code)
                if contact is None or contact.org != org.code:
                    raise GatewayError(f"{code!r} is not a unit or person of {org.code} in "
                                       "rules/directory.toml")  # fmt: skip
            day = deadline.date() if deadline else None
            if day and day < local_date(document.registered_at, org):
                raise GatewayError(f"--deadline {day} is before the registration date")
            why = f"phân công lại bởi {by}: {reason}"
            planned = [Planned(lead, "lead", day, None, why)]
            planned += [Planned(c, "cooperate", day, None, why) for c in cooperate]
            planned += [Planned(c, "inform", None, None, why) for c in inform]
            assign_rows(session, app.blobs, rules, org, document, planned, actor=by,
                        reason=reason)  # fmt: skip
        data = document_json(session, document)
    ctx.emit(data, lambda: "\n".join(
        [f"Văn bản {document_id}: {data['status']}"]
        + [f"  {a['assignee']} ({a['role']}) hạn {a['deadline'] or '-'} [{a['status']}]"
           for a in data["assignments"]]))  # fmt: skip
