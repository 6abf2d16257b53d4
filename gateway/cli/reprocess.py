"""`gateway reprocess --route [DOC_ID...]`: route stored documents again after a rule change.

Numbers (số đến) and registrations are never touched; only assignments are replaced, each
change recorded in the audit log. Without DOC_ID, every incoming document not yet done.
"""

from __future__ import annotations

from typing import Any

import click
from sqlalchemy import select

from gateway.cli.common import Context, command
from gateway.db.models import Document
from gateway.errors import GatewayError, NotFound
from gateway.routing.step import reroute


@command(name="reprocess", help="Re-run pipeline stages on stored data (--route: routing).")
@click.argument("document_ids", nargs=-1, type=int)
@click.option("--route", is_flag=True, help="Re-run routing for the documents.")
@click.option("--by", "by", default="gateway", help="Who asks (recorded in the audit log).")
def reprocess(ctx: Context, document_ids: tuple[int, ...], route: bool, by: str) -> None:
    if not route:
        raise GatewayError("say what to re-run: --route (routing of registered documents)")
    app = ctx.app
    app.require_initialised()
    with app.db.transaction() as session:
        query = select(Document.id).where(Document.direction == "in").order_by(Document.id)
        if document_ids:
            query = query.where(Document.id.in_(document_ids))
        else:
            query = query.where(Document.status.in_(("registered", "assigned")))
        ids = list(session.scalars(query))
    missing = set(document_ids) - set(ids)
    if missing:
        raise NotFound(f"no incoming document with id {', '.join(map(str, sorted(missing)))}")
    results: list[dict[str, Any]] = []
    for document_id in ids:  # one transaction each: a failure leaves the others done
        with app.db.transaction() as session:
            document = session.get_one(Document, document_id)
            decision = reroute(session, app.blobs, app.settings, document, actor=by)
            results.append({
                "id": document_id,
                "routed": decision is not None,
                "assignments": [p.to_json() for p in decision.assignments] if decision else [],
                "hold": decision.hold if decision else None,
                "returned": decision.returned if decision else None,
            })  # fmt: skip
    ctx.emit(results, lambda: "\n".join(
        f"{r['id']}: " + (", ".join(f"{a['assignee']}/{a['role']}" for a in r["assignments"])
                          or str(r["hold"] or r["returned"] or "bỏ qua (văn bản trùng)"))
        for r in results))  # fmt: skip
