"""Helpers shared by the search benchmarks (not part of the test suite).

Pure standard library on purpose: the corpus generator is also imported by throwaway scripts
that compare Whoosh forks in a separate virtualenv without Flask or SQLAlchemy.
"""

from __future__ import annotations

import math
import os
import random
import re
import secrets
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
VENV_BIN = PROJECT / ".venv" / "bin"
# shared/ sits beside the checkout (as in CI); PORTAL_SHARED_DIR points elsewhere.
SHARED = Path(os.environ.get("PORTAL_SHARED_DIR", PROJECT.parent / "shared"))
EVAL_DATA = SHARED / "data" / "search-eval" / "clinc150"


# --- output ---------------------------------------------------------------------------------

def progress(message: str) -> None:
    """Progress goes to stderr so stdout holds only the report."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], p: float) -> float:
    """Linear-interpolated percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    k = (len(ordered) - 1) * p / 100
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summary_ms(seconds: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    return {"p50": percentile(ms, 50), "p95": percentile(ms, 95), "mean": statistics.fmean(ms),
            "max": max(ms), "n": len(ms)}


def ratio(ours: float, baseline: float) -> str:
    if not baseline or math.isnan(baseline) or math.isnan(ours):
        return "n/a"
    return f"{ours / baseline:.2f}x"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


# --- a throwaway portal instance ------------------------------------------------------------

def instance_env(folder: Path, *, db_name: str = "portal.db") -> dict[str, str]:
    """The environment of a fresh development instance living in `folder`."""
    env = dict(os.environ)
    env.update({
        "PORTAL_ENV": "development",
        "DATABASE_URL": f"sqlite:///{folder / db_name}",
        "SEARCH_INDEX_DIR": str(folder / "index"),
        "SECRET_KEY": secrets.token_hex(20),  # 40 characters
        "MAIL_BACKEND": "console",
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_SEARCH": "1000000 per minute",  # one client sends every timed query
        "FLASK_APP": "wsgi",
    })
    env.pop("FLASK_DEBUG", None)
    return env


def flask(args: list[str], env: dict[str, str], *, check: bool = True,
          timeout: float = 1800) -> subprocess.CompletedProcess:
    """Run `flask --app wsgi …` in the project folder; raise with its output on failure."""
    command = [str(VENV_BIN / "flask"), "--app", "wsgi", *args]
    done = subprocess.run(command, cwd=PROJECT, env=env, capture_output=True, text=True,
                          timeout=timeout)
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[1:])} failed ({done.returncode}):\n"
                           f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done


def app_config(env: dict[str, str]) -> dict:
    """create_app overrides equivalent to `env` (so the in-process app matches the CLI's)."""
    return {"PORTAL_ENV": env["PORTAL_ENV"], "SECRET_KEY": env["SECRET_KEY"],
            "SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"],
            "SEARCH_INDEX_DIR": env["SEARCH_INDEX_DIR"], "MAIL_BACKEND": "console",
            "RATELIMIT_STORAGE_URI": "memory://"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


# --- SQLite FTS5 baseline (see /work/shared/data/search-eval/README.md) ----------------------

FTS_TOKENIZE = "porter unicode61 remove_diacritics 2"
_WORD = re.compile(r"\w+")


def fts_match(text: str) -> str:
    """The OR of the query's words, each quoted (punctuation stripped): never a syntax error."""
    words = list(dict.fromkeys(_WORD.findall(text.lower())))
    return " OR ".join(f'"{word}"' for word in words)


class Fts5:
    """An fts5(title, body) table ranked by bm25 with the title weighted 2."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        self.connection = sqlite3.connect(str(path))
        self.connection.execute(
            f"CREATE VIRTUAL TABLE fts USING fts5(title, body, tokenize='{FTS_TOKENIZE}')")

    def add(self, rows) -> int:
        """rows: (rowid, title, body) tuples; one transaction."""
        with self.connection:
            cursor = self.connection.executemany(
                "INSERT INTO fts(rowid, title, body) VALUES (?, ?, ?)", rows)
        return cursor.rowcount

    def search(self, text: str, limit: int = 10) -> list[int]:
        match = fts_match(text)
        if not match:
            return []
        return [row[0] for row in self.connection.execute(
            "SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY bm25(fts, 2.0, 1.0) LIMIT ?",
            (match, limit))]

    def search_with_snippets(self, text: str, limit: int = 10) -> tuple[int, list]:
        """Closer to what a results page does: total count plus top hits with a snippet."""
        match = fts_match(text)
        if not match:
            return 0, []
        total = self.connection.execute("SELECT count(*) FROM fts WHERE fts MATCH ?",
                                        (match,)).fetchone()[0]
        rows = self.connection.execute(
            "SELECT rowid, title, snippet(fts, 1, '<mark>', '</mark>', '…', 24) FROM fts "
            "WHERE fts MATCH ? ORDER BY bm25(fts, 2.0, 1.0) LIMIT ?", (match, limit)).fetchall()
        return total, rows


# --- a synthetic help centre (English and Vietnamese) ---------------------------------------

@dataclass
class Category:
    slug: str
    name: str
    en: list[str]  # topic words and short phrases
    vi: list[str]


CATEGORIES = [
    Category("orders", "Orders", [
        "order", "order number", "checkout", "cart", "basket", "confirmation email",
        "order status", "cancel order", "change order", "item", "quantity", "stock",
        "out of stock", "pre-order", "backorder", "order history", "receipt", "purchase",
        "duplicate order", "missing item", "wrong item", "gift wrap", "split order"],
        ["đơn hàng", "mã đơn hàng", "giỏ hàng", "đặt hàng", "hủy đơn", "trạng thái đơn",
         "sản phẩm", "số lượng", "hết hàng", "đặt trước", "lịch sử mua hàng", "biên nhận",
         "thiếu hàng", "giao nhầm", "gói quà", "xác nhận đơn"]),
    Category("shipping-delivery", "Shipping and delivery", [
        "shipping", "delivery", "courier", "parcel", "package", "tracking number",
        "tracking link", "shipping address", "delivery date", "express shipping",
        "standard shipping", "same-day delivery", "pickup point", "locker", "customs",
        "shipping fee", "delayed delivery", "lost parcel", "signature", "driver",
        "warehouse", "dispatch", "international shipping"],
        ["giao hàng", "vận chuyển", "phí vận chuyển", "địa chỉ giao hàng", "mã vận đơn",
         "theo dõi đơn", "giao hàng nhanh", "giao trong ngày", "điểm nhận hàng", "bưu kiện",
         "shipper", "hải quan", "giao chậm", "thất lạc", "kho hàng", "nhận hàng"]),
    Category("returns-refunds", "Returns and refunds", [
        "return", "refund", "exchange", "return label", "return window", "store credit",
        "damaged item", "faulty product", "refund status", "partial refund", "restocking fee",
        "return policy", "drop-off", "original packaging", "proof of purchase",
        "refund method", "chargeback", "replacement"],
        ["đổi trả", "hoàn tiền", "trả hàng", "đổi hàng", "chính sách đổi trả",
         "hàng bị hỏng", "hàng lỗi", "thời hạn đổi trả", "phiếu trả hàng", "bao bì gốc",
         "hoàn tiền một phần", "yêu cầu hoàn tiền", "sản phẩm thay thế"]),
    Category("payments-billing", "Payments and billing", [
        "payment", "credit card", "debit card", "card declined", "invoice", "billing address",
        "bank transfer", "e-wallet", "installments", "payment method", "charge", "double charge",
        "pending charge", "currency", "tax", "vat invoice", "billing cycle", "payment failed",
        "authorization hold", "cash on delivery", "promo balance", "statement"],
        ["thanh toán", "thẻ tín dụng", "thẻ ghi nợ", "thẻ bị từ chối", "hóa đơn",
         "hóa đơn đỏ", "chuyển khoản", "ví điện tử", "trả góp", "phương thức thanh toán",
         "bị trừ tiền hai lần", "thanh toán khi nhận hàng", "ngân hàng", "xuất hóa đơn",
         "mã số thuế", "thanh toán thất bại"]),
    Category("account-security", "Account and security", [
        "account", "password", "reset password", "sign in", "log in", "two-factor",
        "verification code", "one-time password", "email address", "phone number",
        "username", "locked account", "suspicious activity", "security question",
        "profile", "change email", "delete account", "session", "device", "otp"],
        ["tài khoản", "mật khẩu", "đặt lại mật khẩu", "đăng nhập", "đăng ký", "mã xác minh",
         "mã otp", "số điện thoại", "tài khoản bị khóa", "bảo mật", "xác thực hai lớp",
         "hoạt động đáng ngờ", "xóa tài khoản", "đổi email", "hồ sơ"]),
    Category("subscriptions", "Subscriptions and plans", [
        "subscription", "plan", "membership", "renewal", "auto-renew", "upgrade", "downgrade",
        "trial", "free trial", "cancel subscription", "billing period", "annual plan",
        "monthly plan", "family plan", "seat", "proration", "pause subscription"],
        ["gói cước", "gia hạn", "tự động gia hạn", "nâng cấp", "hạ cấp", "dùng thử",
         "dùng thử miễn phí", "hủy gói", "gói năm", "gói tháng", "gói gia đình",
         "thành viên", "tạm dừng gói"]),
    Category("products-warranty", "Products and warranty", [
        "warranty", "warranty claim", "serial number", "repair", "service centre", "manual",
        "battery", "charger", "screen", "spare part", "installation", "compatibility",
        "firmware", "model", "accessories", "size guide", "care instructions", "defect"],
        ["bảo hành", "phiếu bảo hành", "số sê-ri", "sửa chữa", "trung tâm bảo hành",
         "hướng dẫn sử dụng", "pin", "sạc", "màn hình", "linh kiện", "lắp đặt",
         "tương thích", "phụ kiện", "bảng size", "lỗi sản xuất"]),
    Category("technical-issues", "Technical issues", [
        "error", "error message", "bug", "crash", "slow", "page not loading", "browser",
        "cache", "cookies", "connection", "timeout", "upload", "download", "sync",
        "notification", "outage", "maintenance", "javascript", "blank page", "loop"],
        ["lỗi", "báo lỗi", "không tải được trang", "trình duyệt", "bộ nhớ đệm", "kết nối",
         "mất kết nối", "tải lên", "tải xuống", "đồng bộ", "thông báo", "bảo trì",
         "trang trắng", "chậm"]),
    Category("mobile-app", "Mobile app", [
        "app", "mobile app", "android", "iphone", "ios", "app store", "google play",
        "update the app", "push notification", "permissions", "camera", "location",
        "dark mode", "widget", "tablet", "offline mode", "biometric login", "face id"],
        ["ứng dụng", "cập nhật ứng dụng", "điện thoại", "thông báo đẩy", "quyền truy cập",
         "vị trí", "chế độ tối", "máy tính bảng", "đăng nhập bằng vân tay", "cài đặt",
         "gỡ cài đặt"]),
    Category("promotions-loyalty", "Promotions and loyalty", [
        "voucher", "coupon", "promo code", "discount", "sale", "flash sale", "loyalty points",
        "rewards", "cashback", "referral", "gift card", "points balance", "tier", "birthday",
        "free shipping voucher", "expired voucher", "minimum spend"],
        ["mã giảm giá", "khuyến mãi", "giảm giá", "tích điểm", "điểm thưởng", "hoàn xu",
         "giới thiệu bạn bè", "thẻ quà tặng", "hạng thành viên", "voucher hết hạn",
         "miễn phí vận chuyển", "đơn tối thiểu", "flash sale"]),
    Category("business-accounts", "Business accounts", [
        "business account", "company", "team members", "admin role", "purchase order",
        "bulk order", "quote", "credit terms", "tax exemption", "api key", "integration",
        "invoice address", "cost centre", "approval", "contract", "volume pricing"],
        ["tài khoản doanh nghiệp", "công ty", "thành viên nhóm", "quản trị viên",
         "đơn hàng số lượng lớn", "báo giá", "công nợ", "hợp đồng", "phê duyệt",
         "tích hợp", "khóa api", "giá sỉ"]),
    Category("privacy-data", "Privacy and data", [
        "privacy", "personal data", "data export", "consent", "marketing emails",
        "unsubscribe", "cookies policy", "data deletion", "gdpr", "data request",
        "third parties", "retention", "newsletter", "tracking", "permissions"],
        ["quyền riêng tư", "dữ liệu cá nhân", "xuất dữ liệu", "đồng ý", "email quảng cáo",
         "hủy đăng ký", "chính sách cookie", "xóa dữ liệu", "yêu cầu dữ liệu", "bên thứ ba",
         "bản tin"]),
]

EN_GENERAL = """
able access account action active add additional address adjust allow already amount answer
appear apply approve arrive automatically available back balance before below best bill box
business button call case cause check choose clear click close code complete confirm contact
continue copy correct cost country create current customer date day days default delay detail
details different directly done email enable enter entire error estimate every example expect
extra fee field file fill find first follow form free full get give go guide happen help hold
hours immediately include information instead issue keep last later learn least let limit
link list long look lost make manage may menu message method minutes missing month more move
need new next note notice number offer office once online open option original page part
pay period person phone place possible price problem process provide receive recent record
refund region remove request require review right save screen second section see select
send service set settings share show sign simple soon start step still store submit support
sure system tap team text time today tool total track try turn type update use usually valid
verify view wait want way week within work working write wrong year
""".split()

EN_VERBS = ["change", "cancel", "update", "track", "return", "reset", "pay", "find", "add",
            "remove", "delete", "verify", "download", "contact", "apply", "claim", "transfer",
            "upgrade", "renew", "edit", "report", "confirm", "check", "use", "fix"]
EN_STATES = ["delayed", "declined", "missing", "locked", "not working", "late", "wrong",
             "charged twice", "still pending", "not showing", "expired", "damaged", "stuck"]

VI_GENERAL = """
bạn có thể vui lòng kiểm tra thông tin trong mục cài đặt trên trang web hoặc ứng dụng nếu
không thấy hãy liên hệ bộ phận hỗ trợ khách hàng chúng tôi sẽ xử lý yêu cầu trong vòng ngày
làm việc sau khi nhận được thông báo qua email hoặc tin nhắn thời gian có thể thay đổi tùy
theo khu vực và phương thức bạn chọn để được hướng dẫn chi tiết nhấn vào nút xác nhận ở cuối
trang lưu ý rằng mọi thay đổi chỉ có hiệu lực khi đã hoàn tất các bước trên
""".split()
VI_VERBS = ["đổi", "hủy", "cập nhật", "theo dõi", "kiểm tra", "đặt lại", "thanh toán", "tìm",
            "thêm", "xóa", "xác minh", "tải", "liên hệ", "áp dụng", "nhận", "chuyển",
            "nâng cấp", "gia hạn", "sửa", "báo cáo"]
VI_STATES = ["bị chậm", "bị từ chối", "bị thiếu", "bị khóa", "không hoạt động", "bị sai",
             "bị trừ tiền hai lần", "đang chờ xử lý", "không hiển thị", "hết hạn", "bị hỏng"]

_PLACES = ["settings", "your account", "the order page", "the app"]
_CLICKS = ["tap", "select", "click"]
_FIXES = ["contact us", "wait 24 hours", "check your email", "try again later"]
_UNITS = ["days", "hours", "minutes"]
_SHOWN = ["is shown", "appears", "is listed"]
_HOW_OFTEN = ["usually", "always", "may"]
_DONE = ["confirmed", "received", "approved", "processed"]
_VI_CONFIRM = ["xác nhận", "lưu", "tiếp tục", "gửi yêu cầu"]

FUNCTION_EN = ["the", "a", "your", "to", "you", "can", "is", "of", "in", "for", "on", "with",
               "and", "or", "if", "it", "we", "be", "this", "will", "from", "after", "when"]

_SYLLABLES = ["ka", "lo", "mi", "ve", "tra", "no", "zen", "pix", "qua", "ro", "tel", "vio",
              "sta", "lu", "mar", "dex", "fi", "ora", "nex", "sol", "tiv", "bra", "cor", "ely"]


def fold_accents(text: str) -> str:
    """What a customer types without a Vietnamese keyboard ("đơn hàng" → "don hang")."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text)
                   if unicodedata.category(c) != "Mn")


def _product_names(rng: random.Random, n: int) -> list[str]:
    names = set()
    while len(names) < n:
        names.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).title())
    return sorted(names)


def _zipf_pick(rng: random.Random, items: list[str], s: float = 1.1) -> str:
    # inverse-CDF of a truncated Zipf over the list order (cheap approximation)
    n = len(items)
    u = rng.random()
    index = int(n ** u ** (1 / s)) - 1 if s else int(u * n)
    return items[min(max(index, 0), n - 1)]


@dataclass
class GeneratedDoc:
    id: int
    slug: str
    title: str
    body: str
    category: Category
    language: str
    tags: list[str] = field(default_factory=list)
    visibility: str = "public"
    popularity: int = 0


class HelpCentre:
    """A deterministic synthetic help centre: documents and realistic customer questions."""

    def __init__(self, seed: int = 20240611) -> None:
        self.seed = seed
        rng = random.Random(seed)
        self.products = _product_names(rng, 1500)

    # --- documents ---

    def _en_sentence(self, rng: random.Random, topic: Category) -> str:
        kind = rng.random()
        noun = rng.choice(topic.en)
        other = rng.choice(topic.en)
        if kind < 0.35:
            templates = [
                f"To {rng.choice(EN_VERBS)} your {noun}, open {rng.choice(_PLACES)} and "
                f"{rng.choice(_CLICKS)} {other}.",
                f"If your {noun} is {rng.choice(EN_STATES)}, {rng.choice(_FIXES)} and include "
                f"the {other}.",
                f"You can {rng.choice(EN_VERBS)} the {noun} within {rng.randint(1, 30)} "
                f"{rng.choice(_UNITS)} of the {other}.",
                f"The {noun} for {rng.choice(self.products)} {rng.choice(_SHOWN)} under {other}.",
                f"We {rng.choice(_HOW_OFTEN)} {rng.choice(EN_VERBS)} the {noun} after the {other} "
                f"is {rng.choice(_DONE)}.",
            ]
            return rng.choice(templates)
        words = []
        for _ in range(rng.randint(8, 18)):
            r = rng.random()
            if r < 0.38:
                words.append(rng.choice(FUNCTION_EN))
            elif r < 0.62:
                words.append(rng.choice(topic.en) if rng.random() < 0.8
                             else rng.choice(rng.choice(CATEGORIES).en))
            elif r < 0.97:
                words.append(_zipf_pick(rng, EN_GENERAL, 0.7))
            else:
                words.append(rng.choice(self.products) if rng.random() < 0.7
                             else f"{rng.choice('ABEKMXZ')}{rng.randint(100, 9999)}")
        return " ".join(words).capitalize() + "."

    def _vi_sentence(self, rng: random.Random, topic: Category) -> str:
        kind = rng.random()
        noun = rng.choice(topic.vi)
        other = rng.choice(topic.vi)
        if kind < 0.4:
            templates = [
                f"Để {rng.choice(VI_VERBS)} {noun}, bạn vào mục {other} và chọn "
                f"{rng.choice(_VI_CONFIRM)}.",
                f"Nếu {noun} của bạn {rng.choice(VI_STATES)}, vui lòng liên hệ bộ phận hỗ trợ và "
                f"cung cấp {other}.",
                f"Bạn có thể {rng.choice(VI_VERBS)} {noun} trong vòng {rng.randint(1, 30)} ngày kể "
                f"từ khi {other}.",
                f"Thông tin {noun} của {rng.choice(self.products)} được hiển thị ở mục {other}.",
                f"Chúng tôi sẽ {rng.choice(VI_VERBS)} {noun} sau khi {other} được xác nhận.",
            ]
            return rng.choice(templates)
        words = []
        for _ in range(rng.randint(8, 18)):
            r = rng.random()
            if r < 0.35:
                words.append(rng.choice(topic.vi) if rng.random() < 0.8
                             else rng.choice(rng.choice(CATEGORIES).vi))
            elif r < 0.9:
                words.append(_zipf_pick(rng, VI_GENERAL, 0.6))
            elif r < 0.96:  # English loanwords are common in Vietnamese help texts
                words.append(rng.choice(["email", "app", "otp", "voucher", "shipper", "online",
                                         "website", "link", "code", "feedback"]))
            else:
                words.append(rng.choice(self.products))
        return " ".join(words).capitalize() + "."

    def _title(self, rng: random.Random, topic: Category, language: str) -> str:
        if language == "vi":
            noun = rng.choice(topic.vi)
            forms = [f"Cách {rng.choice(VI_VERBS)} {noun}",
                     f"Tại sao {noun} {rng.choice(VI_STATES)}?",
                     f"{noun.capitalize()}: những điều cần biết",
                     f"Hướng dẫn {rng.choice(VI_VERBS)} {noun} trên {rng.choice(self.products)}",
                     f"{noun.capitalize()} mất bao lâu?"]
        else:
            noun = rng.choice(topic.en)
            forms = [f"How to {rng.choice(EN_VERBS)} your {noun}",
                     f"Why is my {noun} {rng.choice(EN_STATES)}?",
                     f"{noun.capitalize()}: what you need to know",
                     f"{rng.choice(EN_VERBS).capitalize()} a {noun} for "
                     f"{rng.choice(self.products)}",
                     f"How long does {noun} take?",
                     f"{noun.capitalize()} and {rng.choice(topic.en)} explained"]
        return rng.choice(forms)

    def document(self, number: int) -> GeneratedDoc:
        """Document `number` (1-based); the same number always gives the same document."""
        rng = random.Random(f"{self.seed}:{number}")
        topic = CATEGORIES[number % len(CATEGORIES)] if rng.random() < 0.5 \
            else rng.choice(CATEGORIES)
        language = "vi" if rng.random() < 0.35 else "en"
        title = self._title(rng, topic, language)
        target = rng.randint(150, 300)
        sentence = self._vi_sentence if language == "vi" else self._en_sentence
        paragraphs, paragraph, count = [], [], 0
        while count < target:
            s = sentence(rng, topic)
            paragraph.append(s)
            count += len(s.split())
            if len(paragraph) >= rng.randint(3, 6):
                paragraphs.append(" ".join(paragraph))
                paragraph = []
        if paragraph:
            paragraphs.append(" ".join(paragraph))
        tags = sorted({w for w in rng.sample(topic.en, k=min(3, len(topic.en)))
                       if len(w) <= 40})[:rng.randint(0, 3)]
        return GeneratedDoc(
            id=number, slug=f"{_slugify(fold_accents(title))[:60]}-{number}", title=title,
            body="\n\n".join(paragraphs), category=topic, language=language, tags=tags,
            visibility="internal" if rng.random() < 0.05 else "public",
            popularity=int(rng.paretovariate(1.2) * 10))

    def documents(self, n: int):
        for number in range(1, n + 1):
            yield self.document(number)

    # --- queries ---

    def queries(self, n: int) -> list[str]:
        rng = random.Random(f"{self.seed}:queries")
        out: list[str] = []
        while len(out) < n:
            topic = rng.choice(CATEGORIES)
            r = rng.random()
            if r < 0.40:  # English natural questions
                noun, other = rng.choice(topic.en), rng.choice(topic.en)
                out.append(rng.choice([
                    f"how do i {rng.choice(EN_VERBS)} my {noun}",
                    f"why is my {noun} {rng.choice(EN_STATES)}",
                    f"can i {rng.choice(EN_VERBS)} the {noun} after {other}",
                    f"what happens to my {noun} if the {other} is {rng.choice(EN_STATES)}?",
                    f"How long does it take to {rng.choice(EN_VERBS)} a {noun}?",
                    f"i was {rng.choice(['charged', 'told', 'sent', 'asked'])} for {noun} but "
                    f"my {other} is {rng.choice(EN_STATES)}",
                    f"where can I find the {noun} for {rng.choice(self.products)}",
                ]))
            elif r < 0.55:  # keywords
                out.append(" ".join(rng.sample(topic.en, k=rng.randint(1, 2))))
            elif r < 0.75:  # Vietnamese with accents
                out.append(self._vi_question(rng, topic))
            elif r < 0.92:  # Vietnamese typed without accents
                out.append(fold_accents(self._vi_question(rng, topic)))
            elif r < 0.97:  # typos
                word = rng.choice([w for w in topic.en if len(w) > 5 and " " not in w]
                                  or ["password"])
                i = rng.randrange(1, len(word) - 1)
                typo = word[:i] + word[i + 1] + word[i] + word[i + 2:]
                out.append(rng.choice([typo, f"how to {rng.choice(EN_VERBS)} {typo}"]))
            else:  # product names
                out.append(f"{rng.choice(self.products)} {rng.choice(topic.en)}")
        return out

    def _vi_question(self, rng: random.Random, topic: Category) -> str:
        noun, other = rng.choice(topic.vi), rng.choice(topic.vi)
        return rng.choice([
            f"làm sao để {rng.choice(VI_VERBS)} {noun}",
            f"tại sao {noun} của tôi {rng.choice(VI_STATES)}",
            f"{noun} bao lâu thì {rng.choice(VI_VERBS)} được",
            f"tôi muốn {rng.choice(VI_VERBS)} {noun} nhưng {other} {rng.choice(VI_STATES)}",
            f"{noun} {other}",
            f"cách {rng.choice(VI_VERBS)} {noun} trên ứng dụng",
        ])


def _slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "article"
