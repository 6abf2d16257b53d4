"""Synthetic Vietnamese official documents and queries for bench/search.py (deterministic)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

TYPES = [("NQ", "Nghị quyết"), ("QĐ", "Quyết định"), ("CT", "Chỉ thị"), ("KH", "Kế hoạch"),
         ("TB", "Thông báo"), ("HD", "Hướng dẫn"), ("BC", "Báo cáo"), ("CV", "Công văn"),
         ("TTr", "Tờ trình"), ("KL", "Kết luận")]  # fmt: skip
ISSUERS = [("Tỉnh ủy Hà Giang", "TU"), ("Ban Tổ chức Tỉnh ủy", "BTCTU"),
           ("Ban Tuyên giáo Tỉnh ủy", "BTGTU"), ("Văn phòng Tỉnh ủy", "VPTU"),
           ("Huyện ủy Đồng Văn", "HU"), ("Huyện ủy Yên Minh", "HU"), ("Đảng ủy Khối", "ĐUK"),
           ("Ủy ban nhân dân tỉnh Hà Giang", "UBND"), ("Sở Nội vụ", "SNV"),
           ("Sở Tài chính", "STC"), ("Sở Giao thông vận tải", "SGTVT"),
           ("Bộ đội Biên phòng tỉnh", "BĐBP")]  # fmt: skip
# Phrases of administrative Vietnamese; their frequency falls off like real vocabulary.
PHRASES = """công tác cán bộ|xây dựng Đảng|cải cách hành chính|đường biên giới|phòng chống tham
nhũng|kiểm tra giám sát|chuyển đổi số|ngân sách nhà nước|quốc phòng an ninh|phát triển kinh tế
xã hội|giảm nghèo bền vững|nông thôn mới|đường giao thông nông thôn|dân tộc thiểu số|giáo dục
đào tạo|y tế cơ sở|bảo hiểm xã hội|thu ngân sách|thuế thu nhập|đất đai tài nguyên|môi trường|
phòng chống thiên tai|mưa lũ sạt lở|an toàn giao thông|trật tự xã hội|tôn giáo tín ngưỡng|
văn hóa thông tin|du lịch cộng đồng|cao nguyên đá|di sản địa chất|xuất nhập khẩu|cửa khẩu|
hợp tác quốc tế|đối ngoại nhân dân|thi đua khen thưởng|kỷ luật đảng viên|kết nạp đảng viên|
đại hội chi bộ|nhiệm kỳ|tổng kết năm|sơ kết sáu tháng|phương hướng nhiệm vụ|tổ chức bộ máy|
tinh giản biên chế|luân chuyển cán bộ|quy hoạch cán bộ|đánh giá xếp loại|bồi dưỡng lý luận|
học tập và làm theo|tư tưởng đạo đức|phong cách Hồ Chí Minh|dân vận khéo|mặt trận tổ quốc|
đoàn thanh niên|hội phụ nữ|hội nông dân|cựu chiến binh|công đoàn|lực lượng vũ trang|dân quân
tự vệ|tuyển quân|diễn tập khu vực phòng thủ|biên phòng|mốc quốc giới|buôn lậu|ma túy|mua bán
người|di cư tự do|tái định cư|thủy điện|khoáng sản|rừng phòng hộ|trồng rừng|chăn nuôi|trồng
trọt|cây dược liệu|chè shan tuyết|cam sành|tam giác mạch|chợ phiên|điện lưới quốc gia|nước
sạch|nhà ở|xóa nhà tạm|học sinh bán trú|trường học|trạm y tế|tiêm chủng|dịch bệnh|chi trả
trợ cấp|người có công|thương binh liệt sĩ|bảo trợ xã hội|hộ nghèo|hộ cận nghèo|vay vốn|tín
dụng chính sách|đầu tư công|giải ngân|đấu thầu|quyết toán|kiểm toán|thanh tra|khiếu nại tố
cáo|tiếp công dân|dương tính|đương nhiệm|dưỡng sức""".replace("\n", " ").split("|")
FILLER_TEXT = ("về việc triển khai thực hiện các nội dung sau đây đề nghị các cơ quan đơn vị "
               "nghiêm túc quán triệt và báo cáo kết quả trước ngày theo quy định")  # fmt: skip
FILLER = FILLER_TEXT.split(" ")


@dataclass(frozen=True)
class SynthDoc:
    id: int
    doc_type: str
    doc_type_name: str
    number_symbol: str
    issuer: str
    issued_date: dt.date
    summary: str
    sender: str
    subject: str
    file_name: str
    text: str


def _zipf(rng: random.Random, n: int) -> int:
    """An index in [0, n) with probability ~ 1/(i+1)."""
    return min(int(n ** rng.random()) - 1, n - 1)


def documents(count: int, seed: int = 7) -> list[SynthDoc]:
    rng = random.Random(seed)
    phrases = [p.strip() for p in PHRASES]
    rng.shuffle(phrases)
    docs = []
    start = dt.date(2022, 1, 1)
    for i in range(1, count + 1):
        code, name = rng.choice(TYPES)
        issuer, short = rng.choice(ISSUERS)
        topic = [phrases[_zipf(rng, len(phrases))] for _ in range(2)]
        summary = f"về {topic[0]} và {topic[1]}"
        sentences = []
        for _ in range(rng.randint(6, 14)):
            words = [*rng.sample(FILLER, 6), phrases[_zipf(rng, len(phrases))]]
            rng.shuffle(words)
            sentences.append(" ".join(words).capitalize() + ".")
        number = rng.randint(1, 400)
        party = rng.random() < 0.7  # Party form 04-NQ/TU, else State form 4/QĐ-UBND
        symbol = f"{number:02d}-{code}/{short}" if party else f"{number}/{code}-{short}"
        docs.append(SynthDoc(
            id=i, doc_type=code, doc_type_name=name, number_symbol=symbol, issuer=issuer,
            issued_date=start + dt.timedelta(days=rng.randint(0, 4 * 365)), summary=summary,
            sender=f"vanthu.{short.lower()}@hagiang.dcs.vn",
            subject=f"{name} số {symbol} {summary}",
            file_name=symbol.replace("/", "-") + ".pdf",
            text=f"{issuer.upper()}\nSố: {symbol}\n{name.upper()}\n{summary}\n"
                 + " ".join(sentences),
        ))  # fmt: skip
    return docs


@dataclass(frozen=True)
class BenchQuery:
    kind: str
    text: str  # what the user types
    doc_type: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None


def queries(docs: list[SynthDoc], per_kind: int, seed: int = 11) -> list[BenchQuery]:
    """Five kinds: one word, phrase, number-symbol, filtered, no-diacritics."""
    from gateway.archive.search.fold import fold

    rng = random.Random(seed)
    phrases = [p.strip() for p in PHRASES]
    syllables = sorted({w for p in phrases for w in p.split()})
    out = []
    for _ in range(per_kind):
        out.append(BenchQuery("one word", rng.choice(syllables)))
        out.append(BenchQuery("phrase", f'"{rng.choice(phrases)}"'))
        symbol = rng.choice(docs).number_symbol
        variant = rng.choice([symbol, symbol.lower(), symbol.replace("-", " - "),
                              symbol.replace("-", "–"), f"Số {symbol}"])  # fmt: skip
        out.append(BenchQuery("number-symbol", variant))
        since = dt.date(rng.randint(2022, 2025), rng.choice([1, 7]), 1)
        out.append(BenchQuery("filtered", rng.choice(phrases).split()[0],
                              doc_type=rng.choice(TYPES)[0], since=since,
                              until=since + dt.timedelta(days=181)))  # fmt: skip
        out.append(BenchQuery("no diacritics", fold(rng.choice(phrases)).lower()))
    return out
