"""`url_for` for templates, remembering the URLs it built.

A page builds ~20 URLs and werkzeug's builder costs ~8 µs each. A URL depends only on the URL
map (frozen once the app serves requests), the endpoint, its values and where and how the
request came (script name, host, subdomain, scheme, method), so those make the key. Anything
unusual — a relative endpoint, `_external`/`_anchor`/…, values other than plain str/int,
url_defaults callbacks — goes to Flask's url_for unremembered.
"""

from __future__ import annotations

from flask import Flask, url_for
from flask.globals import request_ctx

CACHE_LIMIT = 4096  # then start afresh (article slugs would otherwise grow it without end)


def cached_url_for(app: Flask):
    cache: dict = {}
    plain = (str, int)

    def template_url_for(endpoint: str, **values) -> str:
        if endpoint[:1] == "." or app.url_default_functions:
            return url_for(endpoint, **values)
        for name, value in values.items():
            if type(value) not in plain or name[:1] == "_":
                return url_for(endpoint, **values)
        try:
            adapter = request_ctx._get_current_object().url_adapter
        except RuntimeError:  # outside a request (e-mails): SERVER_NAME decides, not cached
            return url_for(endpoint, **values)
        if adapter is None:
            return url_for(endpoint, **values)
        key = (endpoint, tuple(sorted(values.items())) if values else (), adapter.script_name,
               adapter.server_name, adapter.subdomain, adapter.url_scheme, adapter.default_method)
        url = cache.get(key)
        if url is None:
            url = url_for(endpoint, **values)
            if len(cache) >= CACHE_LIMIT:
                cache.clear()
            cache[key] = url
        return url

    return template_url_for


def install_template_url_for(app: Flask) -> None:
    app.jinja_env.globals["url_for"] = cached_url_for(app)
