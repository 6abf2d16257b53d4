"""Plain text, HTML and legacy Word (.doc, through ``antiword`` when installed)."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser

from gateway.pipeline.text.model import LEFT, RIGHT, DocText, Line

ANTIWORD_TIMEOUT = 20  # seconds
_DOC_CELLS = re.compile(r"\||\t+")  # antiword draws table cells with '|', keeps tab stops
_BLOCK_TAGS = frozenset({"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "table", "td"})


def decode_bytes(data: bytes) -> str:
    for charset in ("utf-8", "cp1258"):
        try:
            return data.decode(charset)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def lines_of(text: str) -> list[Line]:
    return [Line(row.strip()) for row in text.splitlines() if row.strip()]


def extract_plain(data: bytes) -> DocText:
    text = decode_bytes(data)
    return DocText("text", lines=lines_of(text), text=text, pages=1)


class _HtmlText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head"):
            self.skip += 1
        elif tag in _BLOCK_TAGS:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head"):
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCK_TAGS:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.out.append(data)


def html_to_text(markup: str) -> str:
    parser = _HtmlText()
    try:
        parser.feed(markup)
        parser.close()
    except (AssertionError, ValueError):  # malformed markup: keep what was read
        pass
    text = html.unescape("".join(parser.out))
    return re.sub(r"[ \t\u00a0]+", " ", re.sub(r"\n\s*\n+", "\n", text)).strip()


def extract_html(data: bytes) -> DocText:
    text = html_to_text(decode_bytes(data))
    return DocText("html", lines=lines_of(text), text=text, pages=1)


def extract_doc(data: bytes) -> DocText:
    """Legacy Word through antiword; without it the file is kept but not read."""
    antiword = shutil.which("antiword")
    if antiword is None:
        return DocText("doc", error="antiword is not installed: legacy .doc not read")
    with tempfile.NamedTemporaryFile(suffix=".doc") as handle:
        handle.write(data)
        handle.flush()
        try:
            done = subprocess.run(
                [antiword, "-m", "UTF-8.txt", "-w", "0", handle.name],
                capture_output=True, timeout=ANTIWORD_TIMEOUT, check=False,
            )  # fmt: skip
        except (subprocess.TimeoutExpired, OSError) as exc:
            return DocText("doc", error=f"antiword failed: {exc}")
    if done.returncode != 0:
        return DocText("doc", error=f"antiword failed: {decode_bytes(done.stderr).strip()}")
    text = done.stdout.decode("utf-8", "replace")
    lines = [line for row in text.splitlines() for line in _doc_row(row)]
    return DocText("doc", lines=lines, text=text, pages=1)


def _doc_row(row: str) -> list[Line]:
    """One line of antiword output as lines: table cells ('|') and tab stops split it, and a
    row of exactly two parts is the two-column header (issuing body | motto and date)."""
    cells = [cell.strip() for cell in _DOC_CELLS.split(row) if cell.strip()]
    if len(cells) == 2:
        return [Line(cells[0], LEFT), Line(cells[1], RIGHT)]
    return [Line(cell) for cell in cells]
