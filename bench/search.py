"""Search latency: SQLite FTS5 and PostgreSQL beside Whoosh and tantivy on the same data.

Run: ``.venv/bin/python bench/search.py [--docs N] [--per-kind Q] [--pg-url URL]``.
Builds N synthetic Vietnamese documents (bench/search_corpus.py), loads them into the
gateway's search index on SQLite and on PostgreSQL (a scratch database, dropped at the end)
and into Whoosh and tantivy indexes of the same folded text, then times Q queries of each of
five kinds (one word, phrase, number-symbol, filtered, no-diacritics) and prints p50/p95 per
engine and the ratios. "engine" times the ranked top-20 ids (what Whoosh and tantivy return);
"full" times `gateway search` as the CLI runs it (document JSON and snippets for 20 hits).
Whoosh and tantivy are bench-only: ``.venv/bin/pip install whoosh-reloaded tantivy``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import psycopg
from search_corpus import BenchQuery, SynthDoc, documents, queries
from sqlalchemy import insert, select

from gateway.app import App
from gateway.archive.search.entry import IndexEntry
from gateway.archive.search.fold import fold, key, number_key, number_symbol_in
from gateway.archive.search.query import Filters, parse
from gateway.archive.search.service import backend_for, find, search
from gateway.config import load_settings
from gateway.db.models import Document, Organisation, RegisterBook, utcnow

LIMIT = 20
BATCH = 2000
KINDS = ("one word", "phrase", "number-symbol", "filtered", "no diacritics")


def _entry(d: SynthDoc) -> IndexEntry:
    return IndexEntry(
        document_id=d.id,
        head="\n".join((d.number_symbol, d.doc_type_name, d.summary, d.issuer)),
        meta="\n".join((d.sender, d.subject, d.file_name)),
        body=d.text, number_key=number_key(d.number_symbol), issuer_key=key(d.issuer),
        type_key=key(d.doc_type), doc_date=d.issued_date,
    )  # fmt: skip


# -- the gateway's backends ---------------------------------------------------------------


def gateway_app(folder: Path, url: str) -> App:
    config = folder / "gateway.toml"
    config.write_text(
        f'[storage]\nroot = "archive"\ndatabase_url = "{url}"\n'
        '[[organisations]]\ncode = "tinhuy-hagiang"\nname = "Tỉnh ủy Hà Giang"\n'
        'system = "party"\nmailboxes = ["vanthu@tinhuy.hagiang.dcs.vn"]\n', encoding="utf-8")
    app = App(load_settings(config))
    app.init()
    return app


def load_gateway(app: App, docs: list[SynthDoc]) -> None:
    with app.db.transaction() as session:
        org = session.scalars(select(Organisation)).one()
        book = session.scalars(select(RegisterBook).where(
            RegisterBook.organisation_id == org.id, RegisterBook.code == "VBD")).one_or_none()
        if book is None:  # `gateway init` creates the books in newer versions
            book = RegisterBook(organisation_id=org.id, code="VBD", direction="in", name="Sổ đến")
            session.add(book)
            session.flush()
        org_id, book_id = org.id, book.id
    now = utcnow()
    for start in range(0, len(docs), BATCH):
        batch = docs[start : start + BATCH]
        with app.db.transaction() as session:
            session.execute(insert(Document), [{
                "id": d.id, "organisation_id": org_id, "book_id": book_id, "direction": "in",
                "year": 2026, "number": d.id, "registered_at": now, "message_position": 0,
                "doc_type": d.doc_type, "doc_type_name": d.doc_type_name, "system": "party",
                "number_symbol": d.number_symbol, "issuer": d.issuer,
                "issued_date": d.issued_date, "summary": d.summary, "status": "registered",
                "evidence": {}, "trust": {}, "corrected": {}} for d in batch])  # fmt: skip
            backend_for(session).index_many(session, [_entry(d) for d in batch])
    if app.db.is_postgresql:
        with app.db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()


def gateway_runner(app: App, full: bool) -> Callable[[BenchQuery], int]:
    def run(q: BenchQuery) -> int:
        query = parse(q.text, Filters(doc_type=q.doc_type, since=q.since, until=q.until), LIMIT)
        with app.db.transaction() as session:
            return len(search(session, query) if full else find(session, query))

    return run


# -- Whoosh and tantivy, given the same folded text ---------------------------------------


def _folded(d: SynthDoc) -> str:
    return fold(" ".join((d.number_symbol, d.doc_type_name, d.summary, d.issuer, d.sender,
                          d.subject, d.file_name, d.text)))  # fmt: skip


def _date_int(value: dt.date) -> int:
    return value.year * 10000 + value.month * 100 + value.day


def whoosh_runner(folder: Path, docs: list[SynthDoc]) -> Callable[[BenchQuery], int]:
    from whoosh import fields, index, qparser
    from whoosh import query as wq
    from whoosh.analysis import LowercaseFilter, RegexTokenizer

    schema = fields.Schema(
        id=fields.NUMERIC(stored=True, unique=True),
        content=fields.TEXT(analyzer=RegexTokenizer(r"[^\W_]+") | LowercaseFilter()),
        number_key=fields.ID, type=fields.ID, date=fields.NUMERIC,
    )  # fmt: skip
    ix = index.create_in(str(folder), schema)
    writer = ix.writer(limitmb=512)
    for d in docs:
        writer.add_document(id=d.id, content=_folded(d), number_key=number_key(d.number_symbol),
                            type=key(d.doc_type), date=_date_int(d.issued_date))  # fmt: skip
    writer.commit()
    parser = qparser.QueryParser("content", schema, group=qparser.AndGroup)
    searcher = ix.searcher()

    def run(q: BenchQuery) -> int:
        symbol = number_symbol_in(q.text)
        if symbol is not None:
            query = wq.Term("number_key", number_key(symbol))
        else:
            query = parser.parse(fold(q.text).lower())
        filters = None
        if q.doc_type:
            assert q.since and q.until
            filters = wq.And([wq.Term("type", key(q.doc_type)),
                              wq.NumericRange("date", _date_int(q.since), _date_int(q.until))])
        return len([hit["id"] for hit in searcher.search(query, limit=LIMIT, filter=filters)])

    return run


def tantivy_runner(folder: Path, docs: list[SynthDoc]) -> Callable[[BenchQuery], int]:
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", stored=True, indexed=True, fast=True)
    builder.add_text_field("content", tokenizer_name="default")
    builder.add_text_field("number_key", tokenizer_name="raw")
    builder.add_text_field("type", tokenizer_name="raw")
    builder.add_integer_field("date", indexed=True, fast=True)
    schema = builder.build()
    ix = tantivy.Index(schema, path=str(folder))
    writer = ix.writer(heap_size=256_000_000, num_threads=2)
    for d in docs:
        writer.add_document(tantivy.Document(
            id=d.id, content=_folded(d), number_key=number_key(d.number_symbol),
            type=key(d.doc_type), date=_date_int(d.issued_date)))  # fmt: skip
    writer.commit()
    writer.wait_merging_threads()
    ix.reload()
    searcher = ix.searcher()

    def run(q: BenchQuery) -> int:
        symbol = number_symbol_in(q.text)
        if symbol is not None:
            text = f'number_key:"{number_key(symbol)}"'
        else:
            folded = fold(q.text).lower()
            text = folded if folded.startswith('"') else " AND ".join(folded.split())
        if q.doc_type:
            assert q.since and q.until
            text = (f'({text}) AND type:"{key(q.doc_type)}" AND '
                    f"date:[{_date_int(q.since)} TO {_date_int(q.until)}]")  # fmt: skip
        query = ix.parse_query(text, ["content"])
        hits = searcher.search(query, LIMIT).hits
        return len([searcher.doc(address)["id"] for _, address in hits])

    return run


# -- timing -------------------------------------------------------------------------------


def timed(name: str, run: Callable[[BenchQuery], int],
          qs: list[BenchQuery]) -> dict[str, tuple[float, float, float]]:  # fmt: skip
    """kind -> (p50 ms, p95 ms, mean hits); each query is run once after a warm-up pass."""
    for q in qs[: len(KINDS) * 2]:
        run(q)
    samples: dict[str, list[float]] = {k: [] for k in KINDS}
    hits: dict[str, list[int]] = {k: [] for k in KINDS}
    for q in qs:
        start = time.perf_counter()
        hits[q.kind].append(run(q))
        samples[q.kind].append((time.perf_counter() - start) * 1000)
    result = {}
    for kind, values in samples.items():
        values.sort()
        p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
        result[kind] = (statistics.median(values), p95, statistics.mean(hits[kind]))
    print(f"  {name}: done", file=sys.stderr)
    return result


def stage(label: str, work: Callable[[], object]) -> object:
    start = time.perf_counter()
    value = work()
    print(f"{label}: {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return value


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--per-kind", type=int, default=40)
    ap.add_argument("--pg-admin", default="host=127.0.0.1 port=5432 user=postgres dbname=postgres")
    ap.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/")
    ap.add_argument("--skip", default="", help="comma-separated: sqlite,postgresql,whoosh,tantivy")
    args = ap.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    docs = documents(args.docs)
    qs = queries(docs, args.per_kind)
    results: dict[str, dict[str, tuple[float, float, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="search-bench-") as tmp:
        root = Path(tmp)
        if "sqlite" not in skip:
            (root / "sqlite").mkdir()
            app = gateway_app(root / "sqlite", "")
            stage(f"SQLite: load {len(docs)} documents", lambda: load_gateway(app, docs))
            results["SQLite engine"] = timed("SQLite", gateway_runner(app, False), qs)
            results["SQLite full"] = timed("SQLite full", gateway_runner(app, True), qs)
            app.close()
        if "postgresql" not in skip:
            name = f"gateway_bench_{os.getpid()}"
            with psycopg.connect(args.pg_admin, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            try:
                (root / "pg").mkdir()
                app = gateway_app(root / "pg", args.pg_url + name)
                stage(f"PostgreSQL: load {len(docs)} documents", lambda: load_gateway(app, docs))
                results["PostgreSQL engine"] = timed("PostgreSQL", gateway_runner(app, False), qs)
                results["PostgreSQL full"] = timed("PostgreSQL full", gateway_runner(app, True), qs)
                app.close()
            finally:
                with psycopg.connect(args.pg_admin, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        for engine, build in (("Whoosh", whoosh_runner), ("tantivy", tantivy_runner)):
            if engine.lower() in skip:
                continue
            (root / engine).mkdir()
            run = stage(f"{engine}: index {len(docs)} documents",
                        lambda b=build, e=engine: b(root / e, docs))  # fmt: skip
            results[engine] = timed(engine, run, qs)  # type: ignore[arg-type]
    report(results, len(docs), args.per_kind)


def report(results: dict[str, dict[str, tuple[float, float, float]]], n: int, q: int) -> None:
    print(f"\n{n} documents, {q} queries per kind, top {LIMIT}; milliseconds (p50 / p95)\n")
    engines = list(results)
    print("| query kind | " + " | ".join(engines) + " |")
    print("|---|" + "---|" * len(engines))
    for kind in KINDS:
        cells = [f"{results[e][kind][0]:.1f} / {results[e][kind][1]:.1f}" for e in engines]
        print(f"| {kind} | " + " | ".join(cells) + " |")
    pairs = [(a, b) for a in ("SQLite engine", "PostgreSQL engine") for b in ("Whoosh", "tantivy")
             if a in results and b in results]  # fmt: skip
    if pairs:
        print("\np95 ratios (ours / theirs: below 1 is faster)\n")
        print("| query kind | " + " | ".join(f"{a.split()[0]} / {b}" for a, b in pairs) + " |")
        print("|---|" + "---|" * len(pairs))
        for kind in KINDS:
            cells = [f"{results[a][kind][1] / max(results[b][kind][1], 1e-6):.2f}"
                     for a, b in pairs]  # fmt: skip
            print(f"| {kind} | " + " | ".join(cells) + " |")
    print("\nmean hits per query: " + "; ".join(
        f"{e}: " + ", ".join(f"{results[e][k][2]:.0f}" for k in KINDS) for e in engines))


if __name__ == "__main__":
    main()
