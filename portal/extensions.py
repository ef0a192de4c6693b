"""Flask extensions, created unbound here and bound to an app in `create_app`."""

from flask_babel import Babel
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

db = SQLAlchemy(model_class=Base)
# include_name: the PostgreSQL search index's tables are no models (portal.search.pg_schema).
migrate = Migrate(render_as_batch=True, compare_type=True, include_name=include_name)
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)
babel = Babel()
passwords = PasswordHashing()
search = SearchExtension()
files = FileStoreExtension()
