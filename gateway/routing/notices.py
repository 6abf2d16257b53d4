"""The mails routing sends, in Vietnamese: assignment notices, reminders, acknowledgements.

Every mail is marked ``Auto-Submitted`` (RFC 3834) so that other systems do not answer it;
acknowledgements are ``auto-replied`` and thread under the sender's message.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from gateway.db.models import Document
from gateway.routing.directory import Contact

ROLE_NAMES = {"lead": "chủ trì", "cooperate": "phối hợp", "inform": "để biết"}
STAGE_SUBJECTS = {
    "before": "Sắp đến hạn xử lý",
    "due": "Đến hạn xử lý hôm nay",
    "overdue": "Quá hạn xử lý",
}
FOOTER = (
    "\n\n--\nThư tự động của hệ thống tiếp nhận văn bản điện tử; "
    "vui lòng không trả lời thư này.\n"
)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def vn_date(day: dt.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else "không có"


def describe(document: Document) -> str:
    """One line naming a document as a register does: type, number-symbol, date, issuer."""
    parts = [document.doc_type_name or "Văn bản"]
    if document.number_symbol:
        parts.append(f"số {document.number_symbol}")
    if document.issued_date:
        parts.append(f"ngày {vn_date(document.issued_date)}")
    if document.issuer:
        parts.append(f"của {document.issuer}")
    line = " ".join(parts)
    return f"{line} {document.summary}" if document.summary else line


def incoming_ref(document: Document) -> str:
    return f"số đến {document.number}" if document.number is not None else "chưa có số đến"


def _mail(
    sender: str, sender_name: str, to: Sequence[str], subject: str, body: str, auto: str
) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = formataddr((sender_name, sender))
    mail["To"] = ", ".join(to)
    mail["Subject"] = nfc(subject)
    mail["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    mail["Auto-Submitted"] = auto
    mail["Content-Language"] = "vi"
    mail.set_content(nfc(body + FOOTER))
    return mail


def assignment_notice(
    sender: str, org_name: str, contact: Contact, document: Document, role: str,
    deadline: dt.date | None, why: str,
) -> EmailMessage:  # fmt: skip
    body = (
        f"Kính gửi {contact.name},\n\n"
        f"{org_name} chuyển văn bản đến ({incoming_ref(document)}) để {ROLE_NAMES[role]}:\n"
        f"  {describe(document)}\n\n"
        f"Hạn xử lý: {vn_date(deadline) if role != 'inform' else 'không (để biết)'}\n"
        f"Căn cứ phân công: {why}\n"
    )
    subject = f"[{ROLE_NAMES[role].capitalize()}] {describe(document)}"[:200]
    return _mail(sender, org_name, [contact.email], subject, body, "auto-generated")


def hold_notice(
    sender: str, org_name: str, clerk: Contact, document: Document, reason: str
) -> EmailMessage:
    body = (
        f"Kính gửi {clerk.name},\n\n"
        f"Văn bản đến ({incoming_ref(document)}) chưa được phân công tự động:\n"
        f"  {describe(document)}\n\n"
        f"Lý do: {reason}\n"
        "Đề nghị văn thư trình lãnh đạo cho ý kiến phân công (lệnh `gateway assign`).\n"
    )
    subject = f"[Chờ phân công] {describe(document)}"[:200]
    return _mail(sender, org_name, [clerk.email], subject, body, "auto-generated")


def reminder(
    sender: str, org_name: str, stage: str, to: Contact, head: Contact | None,
    document: Document, role: str, deadline: dt.date, today: dt.date, late_days: int,
) -> EmailMessage:  # fmt: skip
    if stage == "overdue":
        state = f"đã quá hạn {late_days} ngày làm việc (hạn {vn_date(deadline)})"
    elif stage == "due":
        state = f"đến hạn hôm nay, {vn_date(deadline)}"
    else:
        state = f"sẽ đến hạn ngày {vn_date(deadline)}"
    body = (
        f"Kính gửi {to.name},\n\n"
        f"Văn bản đến ({incoming_ref(document)}) được giao {to.name} {ROLE_NAMES[role]} xử lý "
        f"{state}:\n  {describe(document)}\n\n"
        f"Ngày nhắc: {vn_date(today)}\n"
    )
    recipients = [to.email]
    if head is not None:
        body += f"\nThư này đồng gửi {head.name}, thủ trưởng đơn vị, để đôn đốc.\n"
        recipients.append(head.email)
    subject = f"[{STAGE_SUBJECTS[stage]}] {describe(document)}"[:200]
    return _mail(sender, org_name, recipients, subject, body, "auto-generated")


def digest(
    sender: str, org_name: str, person: Contact, today: dt.date,
    items: Sequence[tuple[Document, str, str, dt.date | None]],
) -> EmailMessage:  # fmt: skip
    lines = [
        f"- {incoming_ref(doc)}: {describe(doc)} — {assignee}, {ROLE_NAMES[role]}, "
        f"hạn {vn_date(deadline)}"
        for doc, assignee, role, deadline in items
    ]
    body = (
        f"Kính gửi {person.name},\n\nVăn bản đang chờ xử lý ngày {vn_date(today)} "
        f"({len(items)} văn bản):\n" + "\n".join(lines) + "\n"
    )
    subject = f"Tổng hợp văn bản đang xử lý ngày {vn_date(today)}"
    return _mail(sender, org_name, [person.email], subject, body, "auto-generated")


def acknowledgement(
    sender: str, org_name: str, to: str, original_id: str | None, references: str | None,
    original_subject: str, documents: Sequence[Document], received: dt.date,
) -> EmailMessage:  # fmt: skip
    lines = [f"- {describe(d)}: vào sổ {incoming_ref(d)}, ngày đến {vn_date(received)}"
             for d in documents]  # fmt: skip
    body = (
        "Kính gửi Quý cơ quan,\n\n"
        f"{org_name} xác nhận đã nhận văn bản điện tử Quý cơ quan gửi đến:\n"
        + "\n".join(lines)
        + "\n\nVăn bản đã được đăng ký và chuyển xử lý theo quy định (Nghị định 30/2020/NĐ-CP).\n"
    )
    mail = _mail(sender, org_name, [to], f"Đã nhận văn bản: {original_subject}"[:200], body,
                 "auto-replied")  # fmt: skip
    if original_id:
        mail["In-Reply-To"] = original_id
        mail["References"] = f"{references} {original_id}" if references else original_id
    return mail


def return_notice(
    sender: str, org_name: str, to: str, original_id: str | None, document: Document,
    reason: str,
) -> EmailMessage:  # fmt: skip
    body = (
        "Kính gửi Quý cơ quan,\n\n"
        f"{org_name} trả lại văn bản điện tử sau:\n  {describe(document)}\n\n"
        f"Lý do: {reason}\n"
        "Đề nghị Quý cơ quan kiểm tra và gửi lại đúng nơi nhận, đúng quy định.\n"
    )
    mail = _mail(sender, org_name, [to], f"Trả lại văn bản: {describe(document)}"[:200], body,
                 "auto-replied")  # fmt: skip
    if original_id:
        mail["In-Reply-To"] = original_id
        mail["References"] = original_id
    return mail
