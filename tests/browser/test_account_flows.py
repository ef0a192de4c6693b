"""What a person clicks through around their account, in a real browser.

Every page visited, every link followed and every page a form submit leads to is checked with
axe (see conftest).
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

PASSWORD = "correct horse battery"
NEW_PASSWORD = "purple elephant wardrobe"

# The sign-in heading ("Sign in") in portal/translations/vi/LC_MESSAGES/messages.po.
VI_SIGN_IN = "Đăng nhập"


def main(page: Page):
    return page.get_by_role("main")


def user_menu(page: Page):
    return page.locator("header details.user-menu")


def sign_in_form_button(page: Page):
    """The form's "Sign in" button (the header has a "Sign in" link too)."""
    return main(page).get_by_role("button", name="Sign in", exact=True)


def header_sign_in_link(page: Page):
    return page.get_by_role("banner").get_by_role("link", name="Sign in", exact=True)


def fill_sign_in(page: Page, email: str, password: str) -> None:
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)


def expect_signed_in_as(page: Page, name: str) -> None:
    expect(user_menu(page).locator("summary")).to_contain_text(name)
    expect(header_sign_in_link(page)).to_have_count(0)


def expect_signed_out(page: Page) -> None:
    expect(user_menu(page)).to_have_count(0)
    expect(header_sign_in_link(page)).to_be_visible()


def test_register_then_finish_through_the_emailed_link(page, live_server, visit, follow,
                                                        submit, smtp_server, send_outbox):
    visit("/")
    follow(page.get_by_role("banner").get_by_role("link", name="Register"))
    expect(page).to_have_url(live_server.page_url("/register"))
    expect(main(page).get_by_role("heading", level=1)).to_have_text("Create an account")

    page.get_by_label("Your name").fill("Mai Anh")
    page.get_by_label("E-mail address").fill("mai.anh@example.com")
    page.get_by_label("New password").fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    submit(page.get_by_role("button", name="Create account"))

    # No account yet: a link to finish goes to the address.
    expect(main(page).get_by_role("heading", level=1)).to_have_text("Check your e-mail")
    expect(main(page).get_by_role("status")).to_have_text(
        "We sent a link to mai.anh@example.com to finish creating your account.")
    expect_signed_out(page)

    assert send_outbox() == {"sent": 1, "retry": 0, "failed": 0}
    [mail] = smtp_server.messages
    assert mail["To"] == "mai.anh@example.com"
    assert mail["Subject"] == "Finish creating your Portal account"
    text = mail.get_body(("plain",)).get_content()
    assert "Hello Mai Anh," in text
    [link] = re.findall(r"https?://\S+", text)
    assert link.startswith(live_server.page_url("/register/confirm/")), link

    # Opening the link only shows the button (mail scanners open links too).
    visit(link)
    expect(main(page).get_by_role("heading", level=1)).to_have_text(
        "Finish creating your account")
    expect_signed_out(page)
    submit(main(page).get_by_role("button", name="Create my account"))

    expect(page).to_have_url(live_server.page_url("/"))
    expect(page.get_by_role("status")).to_have_text("Welcome, Mai Anh. Your account is ready.")
    expect_signed_in_as(page, "Mai Anh")

    # The link worked once.
    visit(link, status=410)
    expect(main(page).get_by_role("heading", level=1)).to_have_text("This link no longer works")


def test_sign_in_after_a_wrong_password(page, live_server, visit, follow, submit,
                                        make_account):
    account = make_account(email="lan@example.com", name="Lan Pham", password=PASSWORD)
    visit("/")
    follow(header_sign_in_link(page))
    expect(page).to_have_url(live_server.page_url("/login"))

    fill_sign_in(page, account.email, "not the password at all")
    submit(sign_in_form_button(page))

    expect(page.get_by_role("alert")).to_have_text(
        "The e-mail address or the password is not right.")
    expect(page.get_by_label("E-mail address")).to_have_value(account.email)
    expect(page.get_by_label("Password", exact=True)).to_have_value("")
    expect_signed_out(page)

    page.get_by_label("Password", exact=True).fill(account.password)
    submit(sign_in_form_button(page))

    expect(page).to_have_url(live_server.page_url("/"))
    expect(page.get_by_role("status")).to_have_text("You are signed in.")
    expect_signed_in_as(page, "Lan Pham")


def test_footer_language_switcher_turns_the_site_vietnamese(page, live_server, visit, axe):
    visit("/login")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(main(page).get_by_role("heading", level=1)).to_have_text("Sign in")

    with page.expect_navigation():
        page.get_by_role("contentinfo").get_by_label("Language").select_option("vi")
    axe.check(page)

    expect(page).to_have_url(re.compile(re.escape(live_server.page_url("/login")) + r"\??$"))
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(main(page).get_by_role("heading", level=1)).to_have_text(VI_SIGN_IN)
    expect(page.locator("#language-select")).to_have_value("vi")

    # The choice is remembered: the next page is in Vietnamese too.
    visit("/register")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("banner").get_by_role("link", name=VI_SIGN_IN, exact=True)
           ).to_be_visible()
    expect(page.locator("#language-select")).to_have_value("vi")


def test_language_switcher_needs_no_button_with_javascript(page, visit):
    visit("/")
    footer = page.get_by_role("contentinfo")
    expect(footer.get_by_label("Language")).to_be_visible()
    # portal.js submits the switcher on change, so it hides the now-unneeded button.
    expect(footer.get_by_role("button", name="Change")).to_be_hidden()


def test_sign_out_through_the_user_menu(page, live_server, visit, submit, axe, make_account):
    account = make_account(email="quang@example.com", name="Quang Vo", password=PASSWORD)
    visit("/login")
    fill_sign_in(page, account.email, account.password)
    submit(sign_in_form_button(page))
    expect_signed_in_as(page, "Quang Vo")

    sign_out = user_menu(page).get_by_role("button", name="Sign out")
    expect(sign_out).to_be_hidden()
    user_menu(page).locator("summary").click()
    expect(sign_out).to_be_visible()
    axe.check(page)  # the open menu shows what axe could not see before
    submit(sign_out)

    expect(page).to_have_url(live_server.page_url("/"))
    expect(page.get_by_role("status")).to_have_text("You are signed out.")
    expect_signed_out(page)

    visit("/account")
    expect(page).to_have_url(re.compile(re.escape(live_server.page_url("/login")) + r"\?next="))
    expect(main(page).get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_role("status")).to_have_text("Please sign in to see this page.")


def test_password_reset_through_the_emailed_link(page, live_server, visit, follow, submit,
                                                 make_account, smtp_server, send_outbox):
    account = make_account(email="thu@example.com", name="Thu Nguyen", password=PASSWORD)

    visit("/login")
    follow(main(page).get_by_role("link", name="Forgot your password?"))
    expect(page).to_have_url(live_server.page_url("/password/forgot"))
    page.get_by_label("E-mail address").fill(account.email)
    submit(page.get_by_role("button", name="Send the link"))
    expect(page).to_have_url(live_server.page_url("/login"))
    expect(page.get_by_role("status")).to_contain_text(
        "If an account uses that address, we have e-mailed it a link")

    # The worker's job: send what the outbox holds, through the real SMTP server.
    assert send_outbox() == {"sent": 1, "retry": 0, "failed": 0}
    [mail] = smtp_server.messages
    assert mail["To"] == account.email
    assert mail["Subject"] == "Reset your Portal password"
    text = mail.get_body(("plain",)).get_content()
    assert "Hello Thu Nguyen," in text
    links = re.findall(r"https?://\S+", text)
    assert len(links) == 1, text
    [link] = links
    assert link.startswith(live_server.page_url("/password/reset/")), link

    visit(link)
    expect(main(page).get_by_role("heading", level=1)).to_have_text("Choose a new password")
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_label("Repeat the password").fill(NEW_PASSWORD)
    submit(page.get_by_role("button", name="Save the new password"))
    expect(page).to_have_url(live_server.page_url("/login"))
    expect(page.get_by_role("status")).to_have_text(
        "Your password has been changed. Sign in with the new one.")

    # The old password no longer works…
    fill_sign_in(page, account.email, PASSWORD)
    submit(sign_in_form_button(page))
    expect(page.get_by_role("alert")).to_have_text(
        "The e-mail address or the password is not right.")
    expect_signed_out(page)

    # …the new one does.
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    submit(sign_in_form_button(page))
    expect(page).to_have_url(live_server.page_url("/"))
    expect_signed_in_as(page, "Thu Nguyen")

    # The link worked once; opened again it says so.
    visit(link, status=410)
    expect(main(page).get_by_role("heading", level=1)).to_have_text("This link no longer works")
    expect(main(page).get_by_role("link", name="Ask for a new link")).to_be_visible()
