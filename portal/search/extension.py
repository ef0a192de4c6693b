"""Binds one SearchIndex per app to its SEARCH_INDEX_DIR, like any Flask extension."""

from __future__ import annotations

from flask import Flask, current_app

from portal.search.index import SearchIndex


class SearchExtension:
    def init_app(self, app: Flask) -> None:
        app.extensions["search_index"] = SearchIndex(app.config["SEARCH_INDEX_DIR"],
                                                     host_id=app.config.get("SEARCH_HOST_ID"))

    @property
    def index(self) -> SearchIndex:
        return current_app.extensions["search_index"]
