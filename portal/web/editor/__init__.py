"""Knowledge-base editing for staff: write, preview, publish, archive, history, search report."""

from portal.web.editor.routes import bp

__all__ = ["bp"]
