"""The floor of benchmarks/pages.py: the least a Flask + Jinja + SQLAlchemy page can cost.

    DATABASE_URL=sqlite:///… gunicorn -w 4 --no-control-socket floor_app:app   (cwd benchmarks/)

One page that reads 20 rows (the titles of 20 help-centre articles, through the ORM, from the
portal's own database) and renders them in a Jinja template with a small layout. No sessions,
no CSRF, no translations, no access rules: what is left is the framework, the driver and the
template engine, which any page of the portal pays as well. Served by the same gunicorn
settings as the portal, each page's throughput is compared with this one.
"""

from __future__ import annotations

import os

from flask import Flask, render_template
from jinja2 import DictLoader
from sqlalchemy import Integer, String, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

TEMPLATES = {
    "layout.html": """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{% block title %}{% endblock %}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><header><a href="/">Help centre</a></header><main>{% block main %}{% endblock %}</main>
<footer>Floor</footer></body></html>""",
    "articles.html": """{% extends "layout.html" %}{% block title %}Articles{% endblock %}
{% block main %}<h1>Articles</h1><ul>
{% for article in articles %}
<li><a href="/help/articles/{{ article.slug }}">{{ article.title }}</a></li>
{% endfor %}</ul>{% endblock %}""",
}


class Base(DeclarativeBase):
    pass


class Article(Base):
    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(200))


engine = create_engine(os.environ["DATABASE_URL"], pool_pre_ping=True)
app = Flask(__name__)
app.jinja_loader = DictLoader(TEMPLATES)


@app.get("/")
def articles():
    with Session(engine) as session:
        rows = session.scalars(select(Article).order_by(Article.id).limit(20)).all()
        return render_template("articles.html", articles=rows)
