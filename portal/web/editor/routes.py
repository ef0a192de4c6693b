from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from portal.domain.errors import DomainError, NotFound
from portal.markdown import render_markdown
from portal.models import Article
from portal.services import kb
from portal.services import search as search_service
from portal.web.choices import choices
from portal.web.editor.forms import (
    BODY_MAX,
    REVISION_NOTES,
    STATUS_LABELS,
    TITLE_MAX,
    VISIBILITY_LABELS,
    ArticleForm,
    ConfirmForm,
    PreviewForm,
    StatusForm,
)
from portal.web.helpers import form_status, utc_now
from portal.web.messages import attach_error, error_message
from portal.web.tickets.forms import submission_key

bp = Blueprint("editor", __name__)

DELETED = "deleted"
LIST_FILTERS = (*STATUS_LABELS, DELETED)
STALE_EDIT = "stale_edit"


def _load(article_id: int) -> Article:
    try:
        return kb.get_article(article_id)
    except NotFound:
        abort(404)


def _category_choices(form: ArticleForm) -> None:
    form.category_id.choices = choices([("", _("— none —")),
                                        *((c.id, c.name) for c in kb.categories())])


def _draft(form: ArticleForm) -> kb.ArticleDraft:
    return kb.ArticleDraft(
        title=form.title.data, body_md=form.body.data, summary=form.summary.data or "",
        slug=form.slug.data or "", category_id=form.category_id.data,
        tags=(form.tags.data or "").split(","), visibility=form.visibility.data,
        language=form.language.data, submission_key=submission_key(form.submission_key.data))


def _article_data(article: Article) -> dict:
    return {"title": article.title, "slug": article.slug, "summary": article.summary,
            "category_id": article.category_id, "tags": ", ".join(article.tags or []),
            "visibility": article.visibility, "language": article.language,
            "body": article.body_md, "version": article.version_id,
            "submission_key": submission_key(None)}


def _expected_version(form: ArticleForm) -> int:
    """The version the form was opened on; a missing or garbled one counts as a conflict."""
    try:
        return int(form.version.data)
    except (TypeError, ValueError):
        return -1


def _preview_requested() -> bool:
    """The no-JS Preview button: show the text rendered, save nothing."""
    return request.method == "POST" and request.form.get("action") == "preview"


def _preview(form: ArticleForm) -> str:
    return render_markdown((form.body.data or "")[:BODY_MAX])


def _slug_note(form: ArticleForm, article: Article) -> None:
    """An address that was asked for but taken gets a number; say so."""
    if form.slug.data and form.slug.data != article.slug:
        flash(_("The address %(wanted)s is used by another article, so this one is at "
                "%(slug)s.", wanted=form.slug.data, slug=article.slug), "warning")


def _render_form(form: ArticleForm, article: Article | None, *, preview_html: str | None = None,
                 conflict: bool = False):
    # On a conflict, show who made the save the form now clashes with.
    saved = next(iter(kb.revisions(article)), None) if conflict and article else None
    return render_template(
        "editor/article_form.html", form=form, article=article, preview_html=preview_html,
        conflict=conflict, saved=saved, status_labels=STATUS_LABELS,
        visibility_labels=VISIBILITY_LABELS,
    ), form_status(form)


@bp.get("/articles")
def articles():
    status = request.args.get("status", "")
    status = status if status in LIST_FILTERS else ""
    if status == DELETED:
        rows = [a for a in kb.editor_articles(include_deleted=True) if a.deleted_at is not None]
    else:
        rows = kb.editor_articles(status=status)
    category_names = {category.id: category.name for category in kb.categories()}
    return render_template("editor/articles.html", articles=rows, status=status,
                           category_names=category_names, status_labels=STATUS_LABELS,
                           visibility_labels=VISIBILITY_LABELS)


@bp.route("/articles/new", methods=["GET", "POST"])
def new_article():
    form = ArticleForm()
    _category_choices(form)
    if not form.is_submitted():  # "write it" links from the search report carry a title
        form.title.data = request.args.get("title", "").strip()[:TITLE_MAX]
        form.submission_key.data = submission_key(None)
    if _preview_requested():
        return _render_form(form, None, preview_html=_preview(form))
    if form.validate_on_submit():
        try:
            article = kb.create_article(current_user, _draft(form), now=utc_now())
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("The draft “%(title)s” has been saved. Customers see it once you publish "
                    "it.", title=article.title), "success")
            _slug_note(form, article)
            return redirect(url_for("editor.edit_article", article_id=article.id))
    return _render_form(form, None)


@bp.route("/articles/<int:article_id>", methods=["GET", "POST"])
def edit_article(article_id: int):
    article = _load(article_id)
    form = ArticleForm() if request.method == "POST" else ArticleForm(data=_article_data(article))
    _category_choices(form)
    if _preview_requested():
        return _render_form(form, article, preview_html=_preview(form))
    if form.validate_on_submit():
        try:
            kb.update_article(current_user, article, _draft(form),
                              expected_version=_expected_version(form), now=utc_now())
        except DomainError as error:
            # On a conflict the form keeps the person's text and the version it was opened on,
            # so saving again conflicts again: nothing overwrites the other save unseen.
            attach_error(form, error)
            return _render_form(form, article, conflict=error.code == STALE_EDIT)
        flash(_("Your changes to “%(title)s” have been saved.", title=article.title), "success")
        _slug_note(form, article)
        return redirect(url_for("editor.edit_article", article_id=article.id))
    return _render_form(form, article)


@bp.post("/preview")
def preview():
    """The live preview (static/js/editor.js): Markdown in, sanitised HTML fragment out."""
    form = PreviewForm()
    if not form.validate_on_submit():
        abort(400)
    response = make_response(render_markdown(form.body.data or ""))
    response.mimetype = "text/html"
    return response


def _action_failed(error: DomainError) -> None:
    if error.code == STALE_EDIT:
        flash(_("Someone else changed this article at the same moment. Check it and try "
                "again."), "error")
    else:
        flash(error_message(error.code), "error")


@bp.post("/articles/<int:article_id>/status")
def set_status(article_id: int):
    article = _load(article_id)
    form = StatusForm()
    if not form.validate_on_submit():
        flash(error_message("status_unknown"), "error")
        return redirect(url_for("editor.edit_article", article_id=article.id))
    try:
        if form.status.data != article.status:  # a double click records one change, not two
            kb.set_status(current_user, article, form.status.data, now=utc_now())
    except DomainError as error:
        _action_failed(error)
    else:
        messages = {
            "published": _("“%(title)s” is published."),
            "draft": _("“%(title)s” is a draft again; customers no longer see it."),
            "archived": _("“%(title)s” is archived; customers no longer see it."),
        }
        flash(messages[article.status] % {"title": article.title}, "success")
    return redirect(url_for("editor.edit_article", article_id=article.id))


def _set_deleted(article_id: int, deleted: bool):
    article = _load(article_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        if deleted and article.deleted_at is None:
            kb.soft_delete(current_user, article, now=utc_now())
        elif not deleted and article.deleted_at is not None:
            kb.restore(current_user, article, now=utc_now())
    except DomainError as error:
        _action_failed(error)
    else:
        message = _("“%(title)s” has been deleted. You can restore it from this page.") \
            if deleted else _("“%(title)s” has been restored.")
        flash(message % {"title": article.title}, "success")
    return redirect(url_for("editor.edit_article", article_id=article.id))


@bp.post("/articles/<int:article_id>/delete")
def delete_article(article_id: int):
    return _set_deleted(article_id, True)


@bp.post("/articles/<int:article_id>/restore")
def restore_article(article_id: int):
    return _set_deleted(article_id, False)


@bp.get("/articles/<int:article_id>/revisions")
def revisions(article_id: int):
    article = _load(article_id)
    return render_template("editor/revisions.html", article=article,
                           revisions=kb.revisions(article), notes=REVISION_NOTES,
                           status_labels=STATUS_LABELS, visibility_labels=VISIBILITY_LABELS)


@bp.get("/search-report")
def search_report():
    days = 30
    report = search_service.search_report(utc_now(), days=days)
    return render_template("editor/search_report.html", top=report["top"],
                           no_results=report["no_results"], days=days)
