"""Attachments are judged by their bytes and their name together; display names are made safe."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest

from portal.domain.attachments import (
    ALLOWED_EXTENSIONS,
    DOCX,
    GIF,
    JPEG,
    MAX_BYTES,
    MAX_PER_MESSAGE,
    NAME_MAX,
    PDF,
    PNG,
    TEXT,
    WEBP,
    XLSX,
    check_file,
    clean_filename,
    sniff,
)

# --- minimal real files ---------------------------------------------------------------------

PDF_BYTES = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
             b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


PNG_BYTES = (b"\x89PNG\r\n\x1a\n"
             + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
             + _png_chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
             + _png_chunk(b"IEND", b""))
JPEG_BYTES = (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
              b"\xff\xdb\x00\x43\x00" + bytes(64) + b"\xff\xd9")
GIF_BYTES = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00"
             b"\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
WEBP_BYTES = (b"RIFF" + struct.pack("<I", 26) + b"WEBPVP8L" + struct.pack("<I", 13)
              + b"\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00")
TEXT_BYTES = "Tôi bị trừ tiền hai lần cho đơn hàng 12345.\nXin cảm ơn.\n".encode()
CSV_BYTES = "date,amount,note\n2026-03-01,150000,phí dịch vụ\n2026-03-02,150000,trùng\n".encode()
EXE_BYTES = (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(48)
             + b"PE\x00\x00")
HTML_BYTES = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
SVG_BYTES = (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
             b"<script>alert(2)</script></svg>")
XML_SVG_BYTES = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"></svg>'


def _zip(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return buffer.getvalue()


CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
                 '.org/package/2006/content-types"/>')
DOCX_BYTES = _zip({"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": "<Relationships/>",
                   "word/document.xml": "<w:document><w:body><w:p/></w:body></w:document>"})
XLSX_BYTES = _zip({"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": "<Relationships/>",
                   "xl/workbook.xml": "<workbook><sheets/></workbook>"})
PLAIN_ZIP = _zip({"notes.txt": "hello", "photo.jpg": "not really"})
ZIP_WITHOUT_CONTENT_TYPES = _zip({"word/document.xml": "<w:document/>"})


# --- accepted -------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "content", "kind"), [
    ("statement.pdf", PDF_BYTES, PDF),
    ("Statement.PDF", PDF_BYTES, PDF),
    ("screenshot.png", PNG_BYTES, PNG),
    ("photo.jpg", JPEG_BYTES, JPEG),
    ("photo.jpeg", JPEG_BYTES, JPEG),
    ("animation.gif", GIF_BYTES, GIF),
    ("picture.webp", WEBP_BYTES, WEBP),
    ("khiếu nại.txt", TEXT_BYTES, TEXT),
    ("server.log", TEXT_BYTES, TEXT),
    ("charges.csv", CSV_BYTES, TEXT),
    ("letter.docx", DOCX_BYTES, DOCX),
    ("figures.xlsx", XLSX_BYTES, XLSX),
])
def test_real_files_of_allowed_types_are_accepted(name, content, kind):
    assert sniff(content) is kind
    assert check_file(name, content) == (kind, None)


def test_a_text_file_cut_inside_a_multibyte_character_is_still_text():
    content = ("đ" * 3000).encode()  # 6,000 bytes: the 4 KB head ends mid-character
    assert len(content) > 4096
    assert check_file("notes.txt", content) == (TEXT, None)


@pytest.mark.parametrize("content", [
    b"price < 5 and total > 3\n",
    b"2026-03-01 12:00 GET /index.html 200\n2026-03-01 12:01 <- client closed\n",
    b"Order 5512: the <b>bold</b> text in my e-mail came out like this.\n",
    b"My <header> and <metadata> tags, as the shop's page shows them.\n",
])
def test_text_that_only_mentions_angle_brackets_is_still_text(content):
    assert check_file("notes.txt", content) == (TEXT, None)


def test_a_file_of_exactly_the_limit_is_accepted():
    assert check_file("big.txt", b"a" * MAX_BYTES) == (TEXT, None)


def test_limits_are_ten_megabytes_and_five_files():
    assert MAX_BYTES == 10 * 1024 * 1024
    assert MAX_PER_MESSAGE == 5


def test_the_allowed_extensions_never_include_something_a_browser_runs():
    assert not {".html", ".htm", ".svg", ".js", ".exe", ".xml", ".xhtml", ".zip"} & set(
        ALLOWED_EXTENSIONS)


# --- refused --------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "content", "reason"), [
    ("invoice.pdf", EXE_BYTES, "type_not_allowed"),       # a program renamed
    ("setup.exe", EXE_BYTES, "type_not_allowed"),
    ("page.txt", HTML_BYTES, "type_not_allowed"),          # a page renamed
    ("page.html", HTML_BYTES, "type_not_allowed"),
    ("page.txt", b"\xef\xbb\xbf  <HTML><body>hi</body></HTML>", "type_not_allowed"),
    ("image.txt", SVG_BYTES, "type_not_allowed"),          # SVG can carry scripts
    ("image.txt", XML_SVG_BYTES, "type_not_allowed"),
    ("image.svg", SVG_BYTES, "type_not_allowed"),
    ("frame.txt", b"hello <iframe src=//evil.example>", "type_not_allowed"),
    ("statement.png", PDF_BYTES, "type_not_allowed"),      # the name says another type
    ("screenshot.pdf", PNG_BYTES, "type_not_allowed"),
    ("letter.xlsx", DOCX_BYTES, "type_not_allowed"),
    ("statement", PDF_BYTES, "type_not_allowed"),          # no extension
    ("archive.zip", PLAIN_ZIP, "type_not_allowed"),        # a zip that is not an office file
    ("archive.docx", PLAIN_ZIP, "type_not_allowed"),
    ("letter.docx", ZIP_WITHOUT_CONTENT_TYPES, "type_not_allowed"),
    ("broken.docx", b"PK\x03\x04 not really a zip", "type_not_allowed"),
    ("utf16.txt", "hello".encode("utf-16"), "type_not_allowed"),
    ("latin1.txt", "café ".encode("latin-1") * 10, "type_not_allowed"),
    ("empty.txt", b"", "empty"),
    ("empty.pdf", b"", "empty"),
    ("huge.txt", b"a" * (MAX_BYTES + 1), "too_large"),
    ("huge.pdf", PDF_BYTES + b"\n" * MAX_BYTES, "too_large"),
    # Pages behind padding, a namespace prefix or a tag browsers sniff as HTML at the start.
    ("notes.txt", b"a" * 5000 + HTML_BYTES, "type_not_allowed"),
    ("notes.txt", "đ".encode() * 3000 + b"<svg onload=alert(1)>", "type_not_allowed"),
    ("notes.txt", b'<x:script xmlns:x="http://www.w3.org/1999/xhtml">alert(1)</x:script>',
     "type_not_allowed"),
    ("notes.txt", b'<a:b xmlns:a="http://www.w3.org/2000/svg"/>', "type_not_allowed"),
    ("notes.txt", b"<head><title>Invoice</title></head>", "type_not_allowed"),
    ("notes.txt", b"x <META http-equiv=refresh content=0;url=//evil>", "type_not_allowed"),
    ("notes.txt", b"\n  <!-- a comment opens a page -->", "type_not_allowed"),
    ("notes.txt", b"<p>Dear support</p>", "type_not_allowed"),
    ("notes.txt", b"<TABLE><tr><td>1</td></tr></TABLE>", "type_not_allowed"),
    ("notes.txt", b"<object data=evil.swf></object>", "type_not_allowed"),
])
def test_dangerous_mislabelled_empty_or_huge_files_are_refused(name, content, reason):
    assert check_file(name, content) == (None, reason)


@pytest.mark.parametrize("content", [EXE_BYTES, HTML_BYTES, SVG_BYTES, PLAIN_ZIP, b""])
def test_sniff_recognises_nothing_outside_the_allow_list(content):
    assert sniff(content) is None


# --- display names --------------------------------------------------------------------------

@pytest.mark.parametrize(("given", "clean"), [
    ("statement.pdf", "statement.pdf"),
    ("Hóa đơn tháng 5.pdf", "Hóa đơn tháng 5.pdf"),
    ("Ho\u0301a.pdf", "Hóa.pdf"),                          # NFC: one code point for ó
    ("../../etc/passwd", "passwd"),
    ("/etc/passwd", "passwd"),
    ("..\\..\\win.ini", "win.ini"),
    ("C:\\Users\\an\\Desktop\\photo.jpg", "photo.jpg"),
    ("invoice.pdf\x00.exe", "invoice.pdf.exe"),          # NUL bytes dropped
    ("report\x00.pdf", "report.pdf"),
    ("a\x07b\x1b[31m.txt", "ab[31m.txt"),                 # control characters dropped
    ("line\r\nbreak.txt", "linebreak.txt"),               # no header injection
    ("invoice\u202efdp.exe", "invoicefdp.exe"),           # right-to-left override dropped
    ("zero\u200bwidth.png", "zerowidth.png"),
    ("  spaced    out  .pdf  ", "spaced out .pdf"),
    ("...", "file"),
    ("", "file"),
    (None, "file"),
    ("../", "file"),
    ("\u202e", "file"),
    (".pdf", "pdf"),
    ('it\'s "quoted".pdf', "it's _quoted_.pdf"),          # no quote to escape in a header
    ('a";filename="evil.html.pdf', "a_;filename=_evil.html.pdf"),
    ("a<b>c:d|e?f*.pdf", "a_b_c_d_e_f_.pdf"),              # Windows-forbidden characters
    ("invoice.pdf:evil.exe", "invoice.pdf_evil.exe"),      # no NTFS alternate data stream
    ("CON", "_CON"),                                        # Windows device names
    ("NUL.txt", "_NUL.txt"),
    ("com1.pdf", "_com1.pdf"),
    ("LPT9.tar.gz", "_LPT9.tar.gz"),
    ("aux.pdf.", "_aux.pdf"),
    ("con .pdf", "_con .pdf"),
    ("console.log", "console.log"),                         # only the exact device names
    ("concert.pdf", "concert.pdf"),
    ("a\u2028b.pdf", "a b.pdf"),                            # line separators are spaces
])
def test_clean_filename_keeps_only_a_safe_display_name(given, clean):
    assert clean_filename(given) == clean


@pytest.mark.parametrize("given", [
    "a" * 300 + ".pdf",
    "đ" * 500 + ".docx",
    "x" * 119 + ".jpeg",
])
def test_very_long_names_are_cut_to_120_characters_keeping_the_extension(given):
    name = clean_filename(given)
    assert len(name) <= NAME_MAX == 120
    assert name.endswith(given[given.rindex("."):])


def test_a_very_long_extension_is_cut_too():
    name = clean_filename("a." + "x" * 300)
    assert len(name) <= NAME_MAX
    assert name.startswith("a.")


def test_the_cleaned_name_decides_the_extension_checked():
    assert check_file("../../statement.pdf", PDF_BYTES) == (PDF, None)
    assert check_file("statement.pdf\u202e", PDF_BYTES) == (PDF, None)
    assert check_file("evil.pdf\x00.txt", PDF_BYTES) == (None, "type_not_allowed")
