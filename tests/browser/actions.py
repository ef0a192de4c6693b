"""What several browser tests do the same way: find the page's main region, sign in, sign out."""

from __future__ import annotations

from playwright.sync_api import Page


def main(page: Page):
    return page.get_by_role("main")


def sign_in(page: Page, visit, submit, email: str, password: str) -> None:
    visit("/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    submit(main(page).get_by_role("button", name="Sign in", exact=True))


def sign_out(page: Page, submit) -> None:
    """Through the header's account menu (in English: sign out from an English page)."""
    menu = page.locator("header details.user-menu")
    menu.locator("summary").click()
    submit(menu.get_by_role("button", name="Sign out"))
