"""Administration: users (admins), teams (supervisors and admins), complaint categories
(admins)."""

from portal.web.admin import categories as _categories  # noqa: F401  (registers its routes)
from portal.web.admin.routes import bp

__all__ = ["bp"]
