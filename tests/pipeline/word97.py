"""Write a minimal Word 97-2003 binary document (.doc) holding plain paragraphs.

Written from the published formats ([MS-CFB] compound file, [MS-DOC] File Information Block
and piece table), so the tests can exercise antiword on a legacy Word file made here rather
than on a third-party sample: one "WordDocument" stream (FIB, then the text in UTF-16LE),
one "1Table" stream (the piece table: one piece covering the whole text). No styles, fonts or
formatting: antiword falls back to its defaults for those. Every stream is at least 4096 bytes
so it lives in regular sectors and no mini stream is needed.
"""

from __future__ import annotations

import struct

SECTOR = 512
END_OF_CHAIN = 0xFFFFFFFE
FREE = 0xFFFFFFFF
FAT_SECTOR = 0xFFFFFFFD
NO_STREAM = 0xFFFFFFFF
MIN_REGULAR_STREAM = 4096
FIB_SIZE = 0x384  # FibBase + FibRgW97 + FibRgLw97 + FibRgFcLcb97 + cswNew (nFib 193)
TEXT_START = 0x400  # where the text begins in the WordDocument stream


def _fib(text_bytes: int, characters: int, *, stylesheet: int, clx: int) -> bytes:
    """The FIB; the stylesheet starts the table stream, the piece table follows it."""
    fib = bytearray(FIB_SIZE)
    struct.pack_into("<HHHHH", fib, 0x00, 0xA5EC, 0x00C1, 0x6A62, 0x0409, 0)
    struct.pack_into("<H", fib, 0x0A, 0x0200)  # fWhichTblStm: the table stream is "1Table"
    struct.pack_into("<H", fib, 0x0C, 0x00BF)  # nFibBack
    struct.pack_into("<II", fib, 0x18, TEXT_START, TEXT_START + text_bytes)  # fcMin, fcMac
    struct.pack_into("<H", fib, 0x20, 14)  # csw: FibRgW97 has 14 shorts
    struct.pack_into("<H", fib, 0x3E, 22)  # cslw: FibRgLw97 has 22 longs
    struct.pack_into("<I", fib, 0x40, TEXT_START + text_bytes)  # cbMac
    struct.pack_into("<I", fib, 0x4C, characters)  # ccpText: main text only
    struct.pack_into("<H", fib, 0x98, 93)  # cbRgFcLcb: FibRgFcLcb97 has 93 pairs
    struct.pack_into("<II", fib, 0xA2, 0, stylesheet)  # fcStshf, lcbStshf (in 1Table)
    struct.pack_into("<II", fib, 0x1A2, stylesheet, clx)  # fcClx, lcbClx (in 1Table)
    return bytes(fib)


def _stylesheet() -> bytes:
    """An STSH with one empty style slot (antiword reads the stylesheet unconditionally)."""
    stshi = struct.pack("<HHHHHH6x", 1, 10, 1, 15, 15, 0)  # cstd 1, cbSTDBaseInFile 10, ...
    return struct.pack("<H", len(stshi)) + stshi + struct.pack("<H", 0)  # the empty STD


def _clx(characters: int) -> bytes:
    """A piece table with one piece: CPs 0..characters, UTF-16LE text at TEXT_START."""
    plc = struct.pack("<II", 0, characters) + struct.pack("<HIH", 0, TEXT_START, 0)
    return b"\x02" + struct.pack("<I", len(plc)) + plc


def word_document(paragraphs: list[str]) -> bytes:
    """A .doc whose main text is ``paragraphs`` (a paragraph ends with CR, as Word writes it)."""
    text = "".join(p + "\r" for p in paragraphs)
    encoded = text.encode("utf-16-le")
    stylesheet = _stylesheet()
    clx = _clx(len(text))
    table = stylesheet + clx
    document = _fib(len(encoded), len(text), stylesheet=len(stylesheet), clx=len(clx))
    document += b"\0" * (TEXT_START - len(document)) + encoded
    return compound_file({"WordDocument": document, "1Table": table})


def _pad(data: bytes, size: int) -> bytes:
    return data + b"\0" * (size - len(data))


def _directory_entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
    encoded = (name + "\0").encode("utf-16-le")
    return (
        _pad(encoded, 64)
        + struct.pack("<HBB", len(encoded), kind, 1)  # name size, type, colour black
        + struct.pack("<III", NO_STREAM, right, child)  # left, right sibling, child
        + b"\0" * 16  # CLSID
        + struct.pack("<I", 0)  # state bits
        + b"\0" * 16  # creation and modification times
        + struct.pack("<IQ", start, size)  # first sector, stream size
    )


def compound_file(streams: dict[str, bytes]) -> bytes:
    """A version 3 compound file (512-byte sectors) with the streams under the root storage.

    Streams are padded to 4096 bytes at least; sibling order is a simple right-leaning chain
    sorted the way [MS-CFB] compares names (length first, then upper-cased text).
    """
    names = sorted(streams, key=lambda n: (len(n), n.upper()))
    bodies = [_pad(streams[n], max(MIN_REGULAR_STREAM, -(-len(streams[n]) // SECTOR) * SECTOR))
              for n in names]  # fmt: skip
    data_sectors = sum(len(b) // SECTOR for b in bodies)
    directory_sectors = -(-(len(names) + 1) * 128 // SECTOR)
    total = data_sectors + directory_sectors
    fat_sectors = 1
    while (total + fat_sectors) > fat_sectors * (SECTOR // 4):
        fat_sectors += 1
    fat: list[int] = [FAT_SECTOR] * fat_sectors
    starts = []
    for body in bodies:
        starts.append(len(fat))
        count = len(body) // SECTOR
        fat += [len(fat) + i + 1 for i in range(count - 1)] + [END_OF_CHAIN]
    directory_start = len(fat)
    fat += [directory_start + i + 1 for i in range(directory_sectors - 1)] + [END_OF_CHAIN]
    fat += [FREE] * (fat_sectors * (SECTOR // 4) - len(fat))
    entries = [_directory_entry("Root Entry", 5, 1, NO_STREAM, END_OF_CHAIN, 0)]
    for number, (name, body) in enumerate(zip(names, bodies, strict=True), 1):
        right = number + 1 if number < len(names) else NO_STREAM
        # The padded size is declared: antiword refuses a WordDocument stream under 4096 bytes.
        entries.append(_directory_entry(name, 2, NO_STREAM, right, starts[number - 1],
                                        len(body)))  # fmt: skip
    directory = _pad(b"".join(entries), directory_sectors * SECTOR)
    header = bytearray(SECTOR)
    header[0:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    struct.pack_into("<HHHHH", header, 0x18, 0x003E, 0x0003, 0xFFFE, 9, 6)
    struct.pack_into("<I", header, 0x2C, fat_sectors)
    struct.pack_into("<I", header, 0x30, directory_start)
    struct.pack_into("<I", header, 0x38, MIN_REGULAR_STREAM)  # mini stream cutoff
    struct.pack_into("<IIII", header, 0x3C, END_OF_CHAIN, 0, END_OF_CHAIN, 0)  # no mini FAT, DIFAT
    for index in range(109):
        struct.pack_into("<I", header, 0x4C + 4 * index, index if index < fat_sectors else FREE)
    fat_bytes = b"".join(struct.pack("<I", entry) for entry in fat)
    return bytes(header) + fat_bytes + b"".join(bodies) + directory
