"""Knowledge-base import and export: formats, upserts, bad rows, round trips, speed."""

from __future__ import annotations

import csv
import json
import time

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Article, ArticleCategory, ArticleRevision
from portal.services import kb
from portal.services import search as search_service
from portal.services.kb_formats import ImportFileError
from portal.services.kb_io import export_articles, import_articles
from tests.conftest import empty_all_tables


def write_jsonl(path, *rows):
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)
                              for r in rows) + "\n", encoding="utf-8")
    return path


def write_csv(path, header, *rows):
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def article(slug):
    return db.session.scalar(select(Article).where(Article.slug == slug))


def articles_count():
    return db.session.scalar(select(func.count()).select_from(Article))


def found(text, *, staff=False):
    return [hit.slug for hit in search_service.search_articles(text, staff=staff).hits]


REFUND = {"slug": "refund-timelines", "title": "Refund timelines",
          "body": "Refunds reach your card within **5 working days**.",
          "category": "Billing & payments", "tags": ["refund", "card"], "visibility": "public",
          "status": "published", "summary": "How long refunds take.", "language": "en"}


def test_jsonl_import_creates_articles_with_defaults(app, now, tmp_path):
    path = write_jsonl(tmp_path / "kb.jsonl", REFUND, {
        "title": "Khiếu nại được xử lý trong bao lâu?", "body": "Trong 24 giờ.",
        "category": "Complaints", "tags": "Khiếu nại, SLA, sla", "language": "vi"})
    report = import_articles(path, now=now)
    assert (report.created, report.updated, report.rejected) == (2, 0, [])
    refund = article("refund-timelines")
    assert refund.category.name == "Billing & payments" and refund.tags == ["refund", "card"]
    assert refund.summary == "How long refunds take." and "<strong>" in refund.body_html
    complaint = article("khieu-nai-duoc-xu-ly-trong-bao-lau")  # slug derived from the title
    assert (complaint.visibility, complaint.status, complaint.language) == (
        "public", "published", "vi")
    assert complaint.tags == ["khiếu nại", "sla"] and complaint.summary == ""
    assert complaint.published_at is not None


def test_missing_optional_fields_take_the_defaults(app, now, tmp_path):
    path = write_jsonl(tmp_path / "kb.jsonl",
                       {"slug": "bare", "title": "Bare article", "body": "Text."})
    assert import_articles(path, now=now).created == 1
    bare = article("bare")
    assert (bare.visibility, bare.status, bare.language, bare.tags, bare.summary,
            bare.category_id) == ("public", "published", "en", [], "", None)


def test_csv_import_with_multiline_bodies(app, now, tmp_path):
    path = write_csv(tmp_path / "kb.csv", ["slug", "title", "body", "category", "tags",
                                           "visibility", "status"],
                     ["track-parcel", "Track your parcel", "Line one.\n\nLine two.",
                      "Delivery", "parcel, tracking", "", ""],
                     ["escalation", "Escalation matrix", "Internal steps.", "Delivery", "",
                      "internal", "draft"])
    report = import_articles(path, now=now)
    assert (report.created, report.rejected) == (2, [])
    parcel = article("track-parcel")
    assert parcel.body_md == "Line one.\n\nLine two." and parcel.tags == ["parcel", "tracking"]
    assert (parcel.visibility, parcel.status) == ("public", "published")
    assert (article("escalation").visibility, article("escalation").status) == (
        "internal", "draft")
    assert db.session.scalar(select(func.count()).select_from(ArticleCategory)) == 1


def test_markdown_folder_import(app, now, tmp_path):
    folder = tmp_path / "md"
    folder.mkdir()
    (folder / "reset-password.md").write_text(
        "---\ntitle: \"How to reset: a forgotten password\"\ncategory: Account\n"
        "tags: [password, 'sign in']\nvisibility: public\nsummary: Reset it by e-mail.\n---\n\n"
        "## Steps\n\n1. Open /password/forgot.\n", encoding="utf-8")
    (folder / "Đổi mật khẩu.md").write_text(
        "---\ntitle: Đổi mật khẩu\nlanguage: vi\ntags: mật khẩu, tài khoản\nstatus: draft\n---\n"
        "Vào trang tài khoản.", encoding="utf-8")
    (folder / "notes.txt").write_text("not an article", encoding="utf-8")
    report = import_articles(folder, now=now)
    assert (report.created, report.rejected) == (2, [])
    reset = article("reset-password")  # slug from the file name
    assert reset.title == "How to reset: a forgotten password"
    assert reset.tags == ["password", "sign in"] and reset.category.name == "Account"
    assert reset.body_md == "## Steps\n\n1. Open /password/forgot."
    assert reset.summary == "Reset it by e-mail." and reset.status == "published"
    vietnamese = article("doi-mat-khau")  # a file name that is no slug is slugified
    assert (vietnamese.language, vietnamese.status, vietnamese.tags) == (
        "vi", "draft", ["mật khẩu", "tài khoản"])


def test_upsert_by_slug_updates_instead_of_duplicating(app, now, tmp_path):
    path = write_jsonl(tmp_path / "kb.jsonl", REFUND)
    import_articles(path, now=now)
    original = article("refund-timelines")
    version = original.version_id
    again = import_articles(path, now=now)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)  # nothing to write
    assert article("refund-timelines").version_id == version
    write_jsonl(path, {**REFUND, "title": "Refund timelines (updated)", "status": "archived",
                       "tags": "refund"})
    changed = import_articles(path, now=now)
    assert (changed.created, changed.updated) == (0, 1) and articles_count() == 1
    refund = article("refund-timelines")
    assert (refund.title, refund.status, refund.tags) == (
        "Refund timelines (updated)", "archived", ["refund"])
    assert db.session.scalar(select(func.count()).select_from(ArticleRevision)) == 3
    assert found("refund", staff=True) == []  # archived: out of the index


def test_bad_rows_are_rejected_with_their_line_numbers(app, now, tmp_path):
    path = write_jsonl(
        tmp_path / "kb.jsonl",
        REFUND,                                                          # 1
        '{"slug": "broken", "title": "Broken", ',                        # 2 invalid JSON
        {"slug": "no-title", "body": "Text."},                           # 3
        "",                                                              # 4 blank: skipped
        {"slug": "Bad Slug!", "title": "Bad slug", "body": "Text."},     # 5
        {"title": "Secret", "body": "Text.", "visibility": "secret"},    # 6
        {"title": "Live", "body": "Text.", "status": "live"},            # 7
        {"title": "No body", "body": "   "},                             # 8
        {"title": "French", "body": "Texte.", "language": "fr"},         # 9
        "[1, 2]",                                                        # 10
        {"title": "T" * 201, "body": "Text."},                           # 11
        {"slug": "good-two", "title": "Good two", "body": "Fine."},      # 12
    )
    report = import_articles(path, now=now)
    assert report.created == 2
    reasons = {r.where: r.reason for r in report.rejected}
    assert sorted(reasons) == [2, 3, 5, 6, 7, 8, 9, 10, 11]
    assert reasons[2].startswith("invalid JSON")
    assert reasons[3] == "title is missing"
    assert "slug 'Bad Slug!' is not valid" in reasons[5]
    assert reasons[6] == "visibility 'secret' is unknown (use public or internal)"
    assert reasons[7] == "status 'live' is unknown (use draft or published or archived)"
    assert reasons[8] == "body is missing"
    assert "language 'fr'" in reasons[9]
    assert reasons[10] == "not a JSON object"
    assert "longer than 200" in reasons[11]
    assert sorted(db.session.scalars(select(Article.slug))) == ["good-two", "refund-timelines"]


def test_csv_bad_rows_report_file_lines_with_the_header_as_line_1(app, now, tmp_path):
    path = tmp_path / "kb.csv"
    path.write_text(
        "slug,title,body,visibility\n"              # 1
        'ok-one,OK one,"Two\nlines",public\n'       # 2-3
        "short,Missing columns\n"                   # 4
        ",,No title here,public\n"                  # 5
        "ok-two,OK two,Body,internal\n"             # 6
        "bad-vis,Bad visibility,Body,everyone\n",   # 7
        encoding="utf-8")
    report = import_articles(path, now=now)
    assert report.created == 2
    assert [(r.where, r.reason) for r in report.rejected] == [
        (4, "has 2 columns, the header has 4"),
        (5, "title is missing"),
        (7, "visibility 'everyone' is unknown (use public or internal)")]


def test_unreadable_markdown_files_are_rejected_by_name(app, now, tmp_path):
    folder = tmp_path / "md"
    folder.mkdir()
    (folder / "good.md").write_text("---\ntitle: Good\n---\nBody.", encoding="utf-8")
    (folder / "latin1.md").write_bytes("---\ntitle: Caf\xe9\n---\nBody.".encode("latin-1"))
    (folder / "plain.md").write_text("Just text.", encoding="utf-8")
    (folder / "open.md").write_text("---\ntitle: Never closed\nBody.", encoding="utf-8")
    (folder / "empty-title.md").write_text("---\ntitle: ''\n---\nBody.", encoding="utf-8")
    report = import_articles(folder, now=now)
    assert report.created == 1
    assert {r.where: r.reason for r in report.rejected} == {
        "latin1.md": "not valid UTF-8",
        "plain.md": "no front matter: the file must begin with a '---' line",
        "open.md": "the front matter is not closed by a '---' line",
        "empty-title.md": "title is missing"}


def test_unknown_or_missing_files_are_errors(app, now, tmp_path):
    (tmp_path / "kb.xlsx").write_bytes(b"PK")
    with pytest.raises(ImportFileError, match="unknown file type '.xlsx'"):
        import_articles(tmp_path / "kb.xlsx", now=now)
    with pytest.raises(ImportFileError, match="no such file"):
        import_articles(tmp_path / "missing.jsonl", now=now)
    write_csv(tmp_path / "kb.csv", ["name", "text"], ["a", "b"])
    with pytest.raises(ImportFileError, match="no title and no body column"):
        import_articles(tmp_path / "kb.csv", now=now)


def test_a_deleted_article_is_not_silently_revived(app, now, tmp_path):
    path = write_jsonl(tmp_path / "kb.jsonl", REFUND)
    import_articles(path, now=now)
    kb.soft_delete(None, article("refund-timelines"), now=now)
    report = import_articles(path, now=now)
    assert report.created == 0 and "deleted article" in report.rejected[0].reason
    assert articles_count() == 1


def test_imported_articles_are_searchable_and_the_queue_is_empty(app, now, tmp_path):
    path = write_jsonl(tmp_path / "kb.jsonl", REFUND,
                       {"slug": "refund-limits", "title": "Refund approval limits",
                        "body": "Tier 2 approves refunds.", "visibility": "internal"},
                       {"slug": "refund-draft", "title": "Refund draft", "body": "Refund.",
                        "status": "draft"})
    import_articles(path, now=now)
    assert found("refund") == ["refund-timelines"]
    assert set(found("refund", staff=True)) == {"refund-timelines", "refund-limits"}
    assert search_service.pending_count() == 0
    assert search_service.search_articles("5 working days", staff=False).total == 1


@pytest.mark.parametrize("name", ["kb.jsonl", "kb.csv", "kb-folder"])
def test_export_then_import_gives_the_same_articles(app, now, tmp_path, name):
    rows = [REFUND,
            {"slug": "quoted", "title": '"Quoted" title, with a comma', "body": "Body\n\nmore",
             "tags": ["a, b", "c"], "category": "Misc", "summary": "'single quoted'"},
            {"slug": "noi-bo", "title": "Quy trình nội bộ", "body": "Chỉ nhân viên.",
             "visibility": "internal", "status": "draft", "language": "vi"}]
    import_articles(write_jsonl(tmp_path / "source.jsonl", *rows), now=now)
    deleted = kb.create_article(None, kb.ArticleDraft(title="Gone", body_md="x"), now=now)
    kb.soft_delete(None, deleted, now=now)
    first, second = tmp_path / "first" / name, tmp_path / "second" / name
    assert export_articles(first) == 3

    def snapshot():
        return sorted((a.slug, a.title, a.summary, a.body_md, a.category.name if a.category
                       else "", a.tags, a.visibility, a.status, a.language)
                      for a in db.session.scalars(select(Article)
                                                  .where(Article.deleted_at.is_(None))))

    before = snapshot()
    assert import_articles(first, now=now).unchanged == 3  # same content: nothing rewritten
    empty_all_tables()
    report = import_articles(first, now=now)
    assert (report.created, report.rejected) == (3, [])
    assert snapshot() == before
    export_articles(second)
    if first.is_dir():
        assert {p.name: p.read_text() for p in first.iterdir()} == {
            p.name: p.read_text() for p in second.iterdir()}
    else:
        assert first.read_text() == second.read_text()


def test_importing_300_articles_is_quick_and_all_are_indexed(app, now, tmp_path):
    rows = [{"slug": f"generated-{n}", "title": f"Generated article {n}",
             "body": f"Body of article number {n} about parcels and refunds. " * 20,
             "category": f"Category {n % 7}", "tags": ["generated", f"group {n % 5}"],
             "status": "draft" if n % 10 == 0 else "published"} for n in range(300)]
    path = write_jsonl(tmp_path / "big.jsonl", *rows)
    started = time.monotonic()
    report = import_articles(path, now=now)
    elapsed = time.monotonic() - started
    assert report.created == 300 and not report.rejected
    assert elapsed < 15, f"300 articles took {elapsed:.1f} s"
    print(f"\n300 articles imported in {elapsed:.2f} s")
    assert search_service.search_articles("parcels", staff=False).total == 270
    assert search_service.searchable_count() == 270
