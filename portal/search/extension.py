"""Binds one search index per app, like any Flask extension: SEARCH_BACKEND picks which.

"whoosh" (the default): a SearchIndex in this host's SEARCH_INDEX_DIR. "postgres": a
PostgresIndex in the app's database (portal.search.pg), shared by every host.
"""

from __future__ import annotations

from flask import Flask, current_app

from portal.config import check_search_backend
from portal.search.index import SearchIndex


class SearchExtension:
    def init_app(self, app: Flask) -> None:
        # Checked again here: tests and embedders may set the config without the environment.
        backend = check_search_backend(app.config.get("SEARCH_BACKEND", "whoosh"),
                                       app.config["SQLALCHEMY_DATABASE_URI"])
        app.config["SEARCH_BACKEND"] = backend
        if backend == "postgres":
            from portal.search.pg import PostgresIndex  # needs the models, bound later

            app.extensions["search_index"] = PostgresIndex()
        else:
            app.extensions["search_index"] = SearchIndex(
                app.config["SEARCH_INDEX_DIR"], host_id=app.config.get("SEARCH_HOST_ID"))

    @property
    def index(self) -> SearchIndex:
        """The app's index: a SearchIndex, or a PostgresIndex with the same methods."""
        return current_app.extensions["search_index"]
