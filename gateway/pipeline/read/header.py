"""Read the header of an official document: issuer, number-symbol, place and date, type,
summary, urgency and secrecy, each with the line it came from.

Works on the first-page lines of any format. When the format gives layout (PDF, DOCX), the
left header column and the style of the summary lines are used; plain text falls back on the
order of lines and the conventions in rules/doctypes.toml.
"""

from __future__ import annotations

import re

from gateway.pipeline.catalogue import Catalogue
from gateway.pipeline.read import dates, numbers
from gateway.pipeline.read.marks import secrecy_of_line, urgency_of_line
from gateway.pipeline.read.naming import body_kind, fold, issuer_name
from gateway.pipeline.read.reading import Reading, Where, quote
from gateway.pipeline.read.summary import collect_summary, is_separator
from gateway.pipeline.text.model import RIGHT, DocText, Line

HEADER_SCAN = 40  # lines of the first page searched for the header
TITLE_SCAN = 8  # lines after the number/date searched for the type title


def _is_signature_box(text: str, catalogue: Catalogue) -> bool:
    return any(text.startswith(prefix) for prefix in catalogue.conventions.signature_box)


def _strip_mottos(text: str, catalogue: Catalogue) -> tuple[str, str | None]:
    folded = fold(text)
    system = None
    for motto_list, name in (
        (catalogue.conventions.party_mottos, "party"),
        (catalogue.conventions.state_mottos, "state"),
    ):
        for motto in motto_list:
            folded_motto = fold(motto)
            if folded_motto in folded:
                folded = folded.replace(folded_motto, " ")
                system = name
    return re.sub(r"\s+", " ", folded).strip(), system


def read_header(doc: DocText, catalogue: Catalogue, label: str) -> Reading:
    """Read one document's header. ``label`` names the text in evidence ("pdf text")."""
    reading = Reading()
    lines = [ln for ln in doc.lines[:HEADER_SCAN] if not _is_signature_box(ln.text, catalogue)]
    if not lines:
        return reading

    def where(index: int) -> str:
        return f"{label} line {index + 1}: {quote(lines[index].text)}"

    # Appendix: the first lines say "Phụ lục" and name the document they belong to.
    for index, line in enumerate(lines[:3]):
        if any(fold(line.text).startswith(fold(t)) for t in catalogue.conventions.appendix_titles):
            reading.appendix = True
            reading.evidence["appendix"] = where(index)
            reading.references = numbers.find_all(" ".join(ln.text for ln in lines[:10]), catalogue)
            return reading

    number_at = _number_line(lines, reading, catalogue, where)
    mottos = _mottos(lines, number_at, reading, where, catalogue)
    _date(lines, number_at, reading, where)
    end = _issuer(lines, number_at, reading, where, catalogue) if number_at is not None else None
    start = number_at + 1 if number_at is not None else 0
    title_at, summary_end = _title_and_summary(lines, start, reading, where, catalogue)
    region_end = max(x for x in (summary_end, title_at, number_at, end, 8) if x is not None) + 4
    _marks(lines[:region_end], reading, where, catalogue)
    reading.system = mottos or (reading.number.form if reading.number else None)
    _doc_type(reading, catalogue)
    signals = [reading.number is not None, mottos is not None, reading.issued_date is not None,
               reading.doc_type is not None]  # fmt: skip
    reading.official = (reading.number is not None and sum(signals) >= 2) or sum(signals) >= 3
    return reading


def _number_line(
    lines: list[Line], reading: Reading, catalogue: Catalogue, where: Where
) -> int | None:
    for index, line in enumerate(lines):
        if line.column == RIGHT:
            continue
        found = numbers.number_line(line.text, catalogue)
        if found is None:
            continue
        symbol, _rest = found
        if symbol is not None:
            reading.number = symbol
            reading.evidence["number_symbol"] = f"{where(index)} (number line)"
            return index
    return None


def _mottos(
    lines: list[Line], number_at: int | None, reading: Reading, where: Where, catalogue: Catalogue
) -> str | None:
    stop = (number_at or 10) + 3
    for index, line in enumerate(lines[:stop]):
        _rest, system = _strip_mottos(line.text, catalogue)
        if system:
            reading.evidence["system"] = f"{where(index)} (national or Party motto)"
            return system
    return None


def _date(lines: list[Line], number_at: int | None, reading: Reading, where: Where) -> None:
    around = range(max(0, (number_at or 0) - 4), min(len(lines), (number_at or 0) + 5))
    order = list(around) + [i for i in range(min(len(lines), 25)) if i not in around]
    for index in order:
        found = dates.date_line(lines[index].text)
        if found is not None:
            reading.issued_date = found[1]
            reading.evidence["issued_date"] = f"{where(index)} (place and date line)"
            return


def _issuer(
    lines: list[Line], number_at: int, reading: Reading, where: Where, catalogue: Catalogue
) -> int | None:
    groups: list[list[tuple[int, str]]] = []
    for index, line in enumerate(lines[:number_at]):
        if line.column == RIGHT or dates.date_line(line.text):
            continue
        text, _system = _strip_mottos(line.text, catalogue)
        if (
            not text
            or is_separator(text)
            or urgency_of_line(text, catalogue)
            or secrecy_of_line(text, catalogue)
        ):
            continue
        if body_kind(text, catalogue) is not None or not groups:
            groups.append([(index, text)])
        else:
            groups[-1].append((index, text))
    if not groups:
        return None
    own = " ".join(text for _i, text in groups[-1])
    superior = " ".join(text for _i, text in groups[-2]) if len(groups) > 1 else None
    reading.issuer, how = issuer_name(own, superior, catalogue)
    first = groups[-1][0][0]
    reading.evidence["issuer"] = f"{where(first)} ({how})"
    return groups[-1][-1][0]


def _title_and_summary(
    lines: list[Line], start: int, reading: Reading, where: Where, catalogue: Catalogue
) -> tuple[int | None, int | None]:
    titles = {fold(t) for t in catalogue.titles()}
    prefixes = [fold(p) for p in catalogue.conventions.letter_summary_prefixes]
    for index in range(start, min(len(lines), start + TITLE_SCAN)):
        line = lines[index]
        folded = fold(line.text).rstrip(" :")
        if folded in titles and line.text.upper() == line.text:
            reading.evidence["doc_type"] = f"{where(index)} (type title)"
            reading.doc_type = catalogue.doctype_for_title(folded, None)
            reading.evidence["_title"] = folded
            end = collect_summary(lines, index + 1, reading, where, catalogue, letter=False)
            return index, end
        if any(folded.startswith(p + " ") or folded.startswith(p + ":") for p in prefixes):
            reading.evidence["doc_type"] = f"{where(index)} (công văn: summary line, no type title)"
            reading.evidence["_title"] = ""
            end = collect_summary(lines, index, reading, where, catalogue, letter=True)
            return None, end
    return None, None


def _marks(lines: list[Line], reading: Reading, where: Where, catalogue: Catalogue) -> None:
    for index, line in enumerate(lines):
        if reading.urgency is None and (mark := urgency_of_line(line.text, catalogue)):
            reading.urgency = mark.value
            reading.evidence["urgency"] = f"{where(index)} (urgency mark)"
        if reading.secrecy is None and (mark := secrecy_of_line(line.text, catalogue)):
            reading.secrecy = mark.value
            reading.evidence["secrecy"] = f"{where(index)} (secrecy mark)"


def _doc_type(reading: Reading, catalogue: Catalogue) -> None:
    title = reading.evidence.pop("_title", None)
    system = reading.system
    number = reading.number
    if title:
        reading.doc_type = catalogue.doctype_for_title(title, system)
    elif title == "":
        reading.doc_type = catalogue.letter(system)
    elif number is not None:
        if number.type_abbr:
            reading.doc_type = catalogue.doctype_for_abbreviation(number.type_abbr, system)
        elif number.form == "state":
            reading.doc_type = catalogue.letter(system)
        if reading.doc_type is not None:
            reading.evidence["doc_type"] = reading.evidence["number_symbol"] + " (type in symbol)"
