"""Hypothesis over every form and query string the site shows (CI: 200 examples each)."""
