"""IntakeSMTP's memoised address parsing answers exactly as stock aiosmtpd does."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest
from aiosmtpd.smtp import SMTP

from gateway.intake import smtp as intake_smtp
from gateway.intake.smtp import MEMO_MAX, IntakeSMTP

ADDRESSES = [
    "",
    "<>",
    "<vanthu@huyenuy.meovac.hagiang.dcs.vn>",
    "<vanthu@huyenuy.meovac.hagiang.dcs.vn> SIZE=5000 BODY=8BITMIME",
    "vanthu@tinhuy.hagiang.dcs.vn",
    "vanthu@tinhuy.hagiang.dcs.vn SIZE=10",
    "  <spaced@example.vn>",
    "<@relay.vn:route@example.vn>",
    '<"quoted local"@example.vn>',
    "<văn.thư@bộ.gov.vn>",
    "<no-at-sign>",
    "<unclosed@example.vn",
    "<a@b>>",
    "<<a@b>>",
    "not an address at all",
    "<" + "x" * 70 + "@example.vn>",
    "<" + "y" * 700 + "@example.vn>",  # over MEMO_MAX: parsed without the memo
    "@",
    "<@>",
    "\t<tab@example.vn>",
]


class _Handler:
    pass


def _random_argument(rng: random.Random) -> str:
    alphabet = '<>@. "\\:;,()[]abcXYZ019-_=+ăđ\t'
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))


def _outcome(getaddr: Callable[[str], object], argument: str) -> object:
    """The result, or the type of the exception (the email parser raises on some input)."""
    try:
        return getaddr(argument)
    except Exception as exc:
        return type(exc)


@pytest.mark.parametrize("local_part_limit", [0, 64])
def test_getaddr_same_as_stock(local_part_limit: int) -> None:
    """Every argument (valid, invalid, repeated, over-long) parses as in stock aiosmtpd."""
    stock, ours = SMTP(_Handler()), IntakeSMTP(_Handler())
    stock.local_part_limit = ours.local_part_limit = local_part_limit
    rng = random.Random(7)
    arguments = ADDRESSES + [_random_argument(rng) for _ in range(2000)]
    for argument in arguments + arguments:  # the second time from the memo
        assert _outcome(ours._getaddr, argument) == _outcome(stock._getaddr, argument), argument


def test_long_arguments_are_not_memoised() -> None:
    """The memo holds short arguments only, so a client cannot fill memory with it."""
    intake_smtp.parse_address.cache_clear()
    ours = IntakeSMTP(_Handler())
    ours._getaddr("<" + "z" * MEMO_MAX + "@example.vn>")
    assert intake_smtp.parse_address.cache_info().currsize == 0
    ours._getaddr("<short@example.vn>")
    assert intake_smtp.parse_address.cache_info().currsize == 1
