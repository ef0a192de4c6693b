"""Reading the files a form sends: each checked by its content, with a message per refusal."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage
from wtforms.validators import ValidationError

from portal.domain.attachments import MAX_BYTES, MAX_PER_MESSAGE, check_file, clean_filename
from portal.services.ticket_files import Upload

FILE_PROBLEMS = {
    "too_large": _l("“%(name)s” is larger than 10 MB. Attach a smaller file."),
    "empty": _l("“%(name)s” is empty."),
    "type_not_allowed": _l("“%(name)s” is not a type of file we accept. Attach PDF, PNG, JPEG, "
                           "GIF or WebP images, text (.txt, .log, .csv), Word (.docx) or "
                           "Excel (.xlsx) files."),
}
# The file errors the ticket services raise, as both the agent's and the customer's reply
# forms word them.
FILE_ERRORS = {
    "too_many_files": _l("Attach at most %(n)s files.", n=MAX_PER_MESSAGE),
    "file_too_large": _l("Each file may be at most %(n)s MB.", n=MAX_BYTES // 2**20),
    "file_empty": _l("One of the files is empty."),
    "file_type_not_allowed": _l("This kind of file is not accepted. Attach PDF, images (PNG, "
                                "JPEG, GIF, WebP), text, Word or Excel files."),
}
TOO_MANY = _l("Attach at most %(max)s files; you chose %(n)s. Remove some and try again.")


def read_uploads(storages: Iterable[object] | None) -> tuple[list[Upload], list[str]]:
    """The chosen files that pass the checks, and a message for each one that does not.
    Reads at most one byte past the limit of each (more says "too large" all the same)."""
    uploads, problems = [], []
    for storage in storages or []:
        if not isinstance(storage, FileStorage) or not storage.filename:
            continue  # the empty part a browser sends when no file was chosen
        content = storage.stream.read(MAX_BYTES + 1)
        _kind, problem = check_file(storage.filename, content)
        if problem:
            problems.append(str(FILE_PROBLEMS[problem] % {
                "name": clean_filename(storage.filename)}))
        else:
            uploads.append(Upload(storage.filename, content))
    return uploads, problems


def checked_uploads(storages: Iterable[object] | None, *, already: int = 0) -> list[Upload]:
    """The files of a form field, or ValidationError saying what is wrong with them.
    `already` counts files the form kept from an earlier attempt."""
    uploads, problems = read_uploads(storages)
    total = already + len(uploads) + len(problems)
    if total > MAX_PER_MESSAGE:
        raise ValidationError(TOO_MANY % {"max": MAX_PER_MESSAGE, "n": total})
    if problems:
        raise ValidationError(" ".join(problems))
    return uploads
