"""Flask extensions, created unbound here and bound to an app in `create_app`."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from portal.database import Base
from portal.passwords import PasswordHashing
from portal.search.extension import SearchExtension
from portal.search.pg_schema import include_name
from portal.storage import FileStoreExtension
from portal.web.translating import PortalBabel

db = SQLAlchemy(model_class=Base)
# include_name: the PostgreSQL search index's tables are no models (portal.search.pg_schema).
migrate = Migrate(render_as_batch=True, compare_type=True, include_name=include_name)
login_manager = LoginManager()
csrf = CSRFProtect()


class PortalLimiter(Limiter):
    """The before_request check returns at once when no limit could apply there.

    In that check Flask-Limiter applies only application, default, blueprint and meta limits
    (and the in-memory fallback); a view's own limits are checked by its decorator. Portal sets
    none of the former, so every request paid ~80 µs to resolve an empty list. Configure any of
    them and the check runs again as before."""

    def _check_request_limit(self, callable_name: str | None = None,
                             in_middleware: bool = True) -> None:
        if in_middleware and not self.middleware_has_limits():
            return
        super()._check_request_limit(callable_name, in_middleware)

    def middleware_has_limits(self) -> bool:
        manager = self.limit_manager
        return bool(manager._application_limits or manager._default_limits
                    or manager._blueprint_limits or self._meta_limits
                    or self._in_memory_fallback)


limiter = PortalLimiter(key_func=get_remote_address)
babel = PortalBabel()  # translations cached per request (portal/web/translating.py)
passwords = PasswordHashing()
search = SearchExtension()
files = FileStoreExtension()
