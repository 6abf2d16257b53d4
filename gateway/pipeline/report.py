"""Findings as the CONTRACT's JSON shape (``classify`` and ``rules test``) and as text."""

from __future__ import annotations

from typing import Any

from gateway.pipeline.message import Findings, ParsedMessage


def _name(message: ParsedMessage, index: int) -> str:
    return message.parts[index].name or f"part {index + 1}"


def findings_to_dict(message: ParsedMessage, findings: Findings) -> dict[str, Any]:
    documents = []
    for doc in findings.documents:
        documents.append({
            "doc_type": doc.doc_type, "doc_type_name": doc.doc_type_name, "system": doc.system,
            "number": doc.number, "number_symbol": doc.number_symbol, "issuer": doc.issuer,
            "issued_date": doc.issued_date.isoformat() if doc.issued_date else None,
            "summary": doc.summary, "urgency": doc.urgency, "secrecy": doc.secrecy,
            "files": [_name(message, f.part_index) for f in doc.files],
            "file_roles": [{"name": _name(message, f.part_index), "role": f.role}
                           for f in doc.files],
            "evidence": doc.evidence,
        })  # fmt: skip
    return {
        "documents": documents,
        "not_documents": [
            {"name": _name(message, index), "reason": reason}
            for index, reason in sorted(findings.not_documents.items())
        ],
        "quarantine": findings.quarantine,
        "note": findings.note,
        "sender": {"organisation": findings.sender_org, "code": findings.sender_org_code},
    }


def findings_to_text(message: ParsedMessage, findings: Findings) -> str:
    data = findings_to_dict(message, findings)
    out = [f"Subject: {message.subject or '(none)'}", f"From: {message.from_addr or '(none)'}"
           + (f" ({findings.sender_org})" if findings.sender_org else "")]  # fmt: skip
    if findings.quarantine:
        out.append(f"QUARANTINE: {findings.quarantine}")
    if findings.note:
        out.append(f"Note: {findings.note}")
    for number, doc in enumerate(data["documents"], 1):
        out.append(f"\nDocument {number}: {doc['doc_type_name'] or doc['doc_type'] or '?'} "
                   f"{doc['number_symbol'] or '(no number)'}")  # fmt: skip
        for key in ("issuer", "issued_date", "summary", "urgency", "secrecy", "system"):
            out.append(f"  {key:<12} {doc[key] if doc[key] is not None else '-'}")
        for item in doc["file_roles"]:
            out.append(f"  file         {item['name']} ({item['role']})")
        for key, why in doc["evidence"].items():
            out.append(f"  why {key + ':':<14} {why}")
    for item in data["not_documents"]:
        out.append(f"\nNot a document: {item['name']}: {item['reason']}")
    return "\n".join(out)
