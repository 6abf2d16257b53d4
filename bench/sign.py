"""Signed replies per second against raw RSA signing operations, measured in the same run.

A reply is the whole of `gateway reply`: outgoing number, PAdES signature on a one-page PDF,
S/MIME signature on the mail, blobs, register entry, outbox row, events, commit (SQLite,
synchronous=FULL). The baseline is the bare private-key operation of the same key
(RSA-2048, PKCS#1 v1.5, SHA-256): a reply needs at least two (PDF and mail), so a ratio near 2
would mean the signing key is the only cost.

    .venv/bin/python bench/sign.py [--replies N]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from gateway.app import App
from gateway.config import load_settings
from gateway.outgoing.reply import ReplyFile, reply
from gateway.outgoing.signing.keys import load_signing_key
from tests.support.archive import ingest
from tests.support.mailgen import minimal_pdf
from tests.support.pki import CA
from tests.support.signing_config import (
    PASSPHRASE,
    STATE_PASSPHRASE_ENV,
    write_outgoing_config,
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--replies", type=int, default=100)
    args = parser.parse_args()
    os.environ[STATE_PASSPHRASE_ENV] = PASSPHRASE
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(write_outgoing_config(Path(folder), "", CA.create()))
        app = App(settings)
        app.init()
        ingest(app, 1)
        org = settings.organisation("huyenuy-meovac")
        key = load_signing_key(settings, org).key
        assert isinstance(key, rsa.RSAPrivateKey)
        files = [ReplyFile("tra-loi.pdf", minimal_pdf("Tra loi van ban"))]
        reply(settings, app.db, app.blobs, 1, files, "khởi động")  # warm caches

        start = time.perf_counter()
        for i in range(args.replies):
            reply(settings, app.db, app.blobs, 1, files, f"về việc trả lời số {i}")
        replies_per_s = args.replies / (time.perf_counter() - start)

        data = b"x" * 1024
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < 3.0:
            key.sign(data, padding.PKCS1v15(), hashes.SHA256())
            count += 1
        raw_per_s = count / (time.perf_counter() - start)
        app.close()
    print(f"signed replies/s:        {replies_per_s:8.1f}")
    print(f"raw RSA-{key.key_size} signatures/s: {raw_per_s:8.1f}")
    print(f"ratio: one signed reply costs {raw_per_s / replies_per_s:.1f} raw signatures")


if __name__ == "__main__":
    main()
