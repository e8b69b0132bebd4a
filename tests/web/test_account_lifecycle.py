"""The account lifecycle in a real browser: gunicorn on loopback mails through a real SMTP server
on loopback (aiosmtpd, tests/mailbox.py), with FRONTEND_URL set to that server's own address,
so the links in the mails open the web client the test drives. Sign-up and verification,
a forgotten password, a new email address, sessions, and an admin's new user and their sessions.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement

from accounts.lifecycle import RESET_REQUESTED
from authn.errors import EmailNotVerified
from nexora_testkit.live_server import Gunicorn, free_port
from tests.mailbox import Inbox, link_in, smtp_server
from tests.web.browser import Page, xpath_literal
from tests.web.conftest import PASSWORD, Account, refresh_token_of, sign_in, sign_up

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

Browser = Callable[[str, Gunicorn], Page]
NewAccount = Callable[..., Account]

NEW_PASSWORD = "web-Another-Horse-10"
VERIFY_SUBJECT = "Verify your email address for Nexora"
RESET_SUBJECT = "Reset your Nexora password"
CONFIRM_SUBJECT = "Confirm your new email address"
INVITE_SUBJECT = "Your Nexora account is ready"
SESSION_ENDED = "Your session has ended. Please log in again."


@dataclass
class Smtp:
    inbox: Inbox
    port: int


@pytest.fixture(scope="module")
def smtp() -> Iterator[Smtp]:
    inbox = Inbox()
    controller = smtp_server(inbox, free_port())
    try:
        yield Smtp(inbox, controller.port)
    finally:
        controller.stop()


def mailing_server(env: dict[str, str], smtp: Smtp, logs: Path, name: str, **overrides: str) -> Gunicorn:
    """A server (not started) on the tests' database that mails to `smtp`, its links pointing at itself."""
    port = free_port()  # known before the start: the server's own address is its FRONTEND_URL
    mail_env = {
        **env,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.port),
        "FRONTEND_URL": f"http://127.0.0.1:{port}",
        "PASSWORD_RESET_RATE": "1000/h",
        "REGISTER_RATE": "1000/h",
        **overrides,
    }
    return Gunicorn(mail_env, logs, port=port, workers=2, name=name)


@pytest.fixture(scope="module")
def mail_server(
    chromium: None, bundle: Path, env: dict[str, str], smtp: Smtp, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Gunicorn]:
    with mailing_server(env, smtp, tmp_path_factory.mktemp("mail-logs"), "mail") as gunicorn:
        yield gunicorn


@pytest.fixture(scope="module")
def verified_only_server(
    chromium: None, bundle: Path, env: dict[str, str], smtp: Smtp, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Gunicorn]:
    """The same, with REQUIRE_VERIFIED_EMAIL on: no log-in before the address is verified."""
    logs = tmp_path_factory.mktemp("verified-only-logs")
    with mailing_server(env, smtp, logs, "verified-only", REQUIRE_VERIFIED_EMAIL="1") as gunicorn:
        yield gunicorn


@pytest.fixture
def account(mail_server: Gunicorn) -> NewAccount:
    """`account("ADMIN")`: a new user, signed up through the API of the mailing server."""
    return functools.partial(sign_up, mail_server)


def fresh_email(prefix: str) -> str:
    return f"{prefix}.{uuid.uuid4().hex[:8]}@example.com"


def mailed_link(smtp: Smtp, on: Gunicorn, to: str, subject: str, route: str) -> str:
    """The link to `route` of this server's web client in the mail to `to` about `subject`."""
    return link_in(smtp.inbox.wait_for(to, subject), f"{on.http.base}/{route}?")


def submit_sign_up(page: Page, address: str) -> None:
    """Fill in and send the sign-up form (what the page says next is the test's to read)."""
    page.open("/register")
    page.fill("Email", address)
    page.fill("Password", PASSWORD)
    page.click("Sign up")


def section(page: Page, heading: str) -> WebElement:
    """The `<section>` whose heading is `heading`."""
    xpath = f"//section[./*[self::h2 or self::h3][normalize-space(.)={xpath_literal(heading)}]]"
    return page.wait(lambda driver: driver.find_element(By.XPATH, xpath), f"the section {heading!r}")


def field_error(page: Page, label: str, within: WebElement | None = None) -> str:
    """The error shown next to the field labelled `label`, once it is marked invalid."""
    control = page.field(label, within)
    page.wait(lambda driver: control.get_attribute("aria-invalid") == "true", f"{label!r} marked invalid")
    error_id = str(control.get_attribute("aria-describedby")).split()[-1]
    return str(page.driver.find_element(By.ID, error_id).text)


def form_error(page: Page, within: WebElement | None = None) -> str:
    scope = within or page.driver
    return str(page.wait(lambda driver: scope.find_element(By.CSS_SELECTOR, ".form-error"), "the form's error").text)


def notice(page: Page) -> str:
    """The page's announcement (role=status), once there is one."""
    found = page.wait(
        lambda driver: next((p for p in driver.find_elements(By.CSS_SELECTOR, "p.notice") if p.text), None),
        "a notice",
    )
    return str(found.text)


def nav_links(page: Page) -> list[str]:
    return [str(link.text) for link in page.driver.find_elements(By.CSS_SELECTOR, "nav[aria-label=Main] a")]


def session_rows(page: Page) -> list[WebElement]:
    return page.driver.find_elements(By.CSS_SELECTOR, "table.sessions tbody tr")


# --- sign-up and verification -------------------------------------------------------------------


def test_sign_up_then_verify_from_the_mailed_link(mail_server: Gunicorn, smtp: Smtp, browser: Browser) -> None:
    page = browser("visitor", mail_server)
    address = fresh_email("ada")
    submit_sign_up(page, address)
    page.wait_for_text(f"Signed in as {address}")
    mailed_link(smtp, mail_server, address, VERIFY_SUBJECT, "verify-email")  # the sign-up's mail

    page.link("Profile").click()
    page.wait_for_heading("Your profile")
    page.wait_for_text(f"{address} (not verified)")
    verify = section(page, "Verify your email address")
    page.click("Resend verification email", within=verify)
    assert notice(page) == f"A new verification link is on its way to {address}."
    second_link = mailed_link(smtp, mail_server, address, VERIFY_SUBJECT, "verify-email")  # a second mail

    page.driver.get(second_link)  # as from the mail: a new page load, still signed in
    page.wait_for_heading("Verify your email")
    assert notice(page) == f"Your email address {address} is verified."
    page.link("Go to your profile").click()
    page.wait_for_heading("Your profile")
    page.wait_for_text(f"{address} (verified)")
    assert not page.driver.find_elements(By.ID, "verify-heading")  # the notice is gone

    page.driver.get(mail_server.http.base + "/verify-email?uid=MQ&token=forged")
    page.wait_for_heading("Verify your email")
    assert form_error(page) == "This link is invalid or has expired, or it has been used already."
    page.wait_for_text("Ask for a new link from your profile.")


def test_an_unverified_address_may_not_log_in_when_the_server_requires_it(
    verified_only_server: Gunicorn, smtp: Smtp, browser: Browser
) -> None:
    page = browser("visitor", verified_only_server)
    address = fresh_email("grace")
    submit_sign_up(page, address)
    assert notice(page) == (
        f"Your account is created. We have mailed a link to {address}: open it to verify the address, then log in."
    )

    page.link("Log in").click()
    page.fill("Email", address)
    page.fill("Password", PASSWORD)
    page.click("Log in")
    assert form_error(page) == EmailNotVerified.default_message
    assert page.link("Reset your password").get_attribute("href") == f"{verified_only_server.http.base}/reset-password"
    assert page.path == "/login"

    page.driver.get(mailed_link(smtp, verified_only_server, address, VERIFY_SUBJECT, "verify-email"))
    assert notice(page) == f"Your email address {address} is verified."
    page.link("Log in").click()
    sign_in(page, Account(address, PASSWORD, 0, "CUSTOMER"))


# --- a forgotten password -----------------------------------------------------------------------


def test_forgot_password_reset_from_the_mailed_link(
    mail_server: Gunicorn, smtp: Smtp, browser: Browser, account: NewAccount
) -> None:
    user = account("CUSTOMER")
    page = browser("visitor", mail_server)
    page.open("/login")
    page.link("Forgot your password?").click()
    page.wait_for_heading("Reset your password")
    page.fill("Email", user.email.upper())
    page.click("Send reset link")
    assert notice(page) == f"{RESET_REQUESTED} Check the inbox of {user.email.upper()}."
    link = mailed_link(smtp, mail_server, user.email, RESET_SUBJECT, "reset-password")

    page.driver.get(link)
    page.wait_for_heading("Choose a new password")
    page.fill("New password", "password1")  # common: 422 on new_password, shown next to it
    page.click("Set password")
    assert "common" in field_error(page, "New password").lower()
    assert page.active_element() == page.field("New password")
    page.fill("New password", NEW_PASSWORD)
    page.click("Set password")
    assert notice(page) == "Your new password is set."

    page.link("Log in with it").click()
    page.wait_for_path("/login")
    page.fill("Email", user.email)
    page.fill("Password", PASSWORD)
    page.click("Log in")
    assert form_error(page) == "The email or password is wrong, or the account is inactive."
    sign_in(page, Account(user.email, NEW_PASSWORD, user.id, user.role))

    # The link is spent: it says so, and offers a new one. Signed in, the tab signs out (the
    # server ended every session of the account when the password was set).
    page.driver.get(link)
    page.fill("New password", "web-Third-Horse-11")
    page.click("Set password")
    assert form_error(page) == "This link is invalid or has expired, or it has been used already."
    page.link("Ask for a new link").click()
    page.wait_for_heading("Reset your password")
    page.wait_for_path("/reset-password")


def test_a_signed_in_tab_signs_out_when_its_password_is_reset(
    mail_server: Gunicorn, smtp: Smtp, browser: Browser, account: NewAccount
) -> None:
    user = account("CUSTOMER")
    page = browser("customer", mail_server)
    sign_in(page, user)
    refresh = refresh_token_of(page)
    assert mail_server.http.call("POST", "/api/password/reset/", {"email": user.email}).status == 202

    page.driver.get(mailed_link(smtp, mail_server, user.email, RESET_SUBJECT, "reset-password"))
    page.fill("New password", NEW_PASSWORD)
    page.click("Set password")
    assert notice(page) == "Your new password is set."
    page.wait(lambda driver: nav_links(page) == ["Log in", "Sign up"], "the header signed out")
    assert refresh_token_of(page) is None
    assert mail_server.http.call("POST", "/api/token/refresh/", {"refresh": refresh}).status == 401


# --- a new email address ------------------------------------------------------------------------


def test_change_email_and_confirm_it_from_the_mailed_link(
    mail_server: Gunicorn, smtp: Smtp, browser: Browser, account: NewAccount
) -> None:
    user, other = account("CUSTOMER"), account("CUSTOMER")
    page = browser("customer", mail_server)
    sign_in(page, user)
    page.link("Profile").click()
    form = section(page, "Change email")

    page.fill("New email", fresh_email("moved"), within=form)
    page.fill("Password", "not-my-password", within=form)
    page.click("Change email", within=form)
    assert field_error(page, "Password", within=form) == "The current password is wrong."
    assert page.active_element() == page.field("Password", within=form)

    page.fill("New email", other.email, within=form)
    page.fill("Password", PASSWORD, within=form)
    page.click("Change email", within=form)
    assert field_error(page, "New email", within=form) == "An account with this email address already exists."

    new_address = fresh_email("moved")
    page.fill("New email", new_address, within=form)
    page.fill("Password", PASSWORD, within=form)
    page.click("Change email", within=form)
    assert notice(page) == (
        f"Check your new inbox: we have sent a confirmation link to {new_address}. Your email changes when you open it."
    )
    page.wait_for_text(f"{user.email} (not verified)")  # signed up through the API, never verified
    assert mail_server.http.call("POST", "/api/login/", {"email": new_address, "password": PASSWORD}).status == 401

    link = mailed_link(smtp, mail_server, new_address, CONFIRM_SUBJECT, "confirm-email")
    page.driver.get(link)
    page.wait_for_heading("Confirm your new email")
    assert notice(page) == f"Your email address is now {new_address}."
    page.wait_for_text(f"Signed in as {new_address}")  # the header follows at once
    page.link("Go to your profile").click()
    page.wait_for_text(f"{new_address} (verified)")

    page.driver.get(link)  # used: one answer for wrong, expired and spent
    assert form_error(page) == "This link is invalid or has expired, or it has been used already."
    page.wait_for_text("To ask for a new link, change your email again from your profile.")


# --- sessions -----------------------------------------------------------------------------------


def test_sessions_list_this_device_and_end_another_browser(
    mail_server: Gunicorn, browser: Browser, account: NewAccount
) -> None:
    user = account("CUSTOMER")
    laptop, phone = browser("laptop", mail_server), browser("phone", mail_server)
    sign_in(laptop, user)
    sign_in(phone, user)
    agent = str(phone.script("return navigator.userAgent"))
    assert "HeadlessChrome/" in agent and "Linux" in agent

    laptop.link("Sessions").click()
    laptop.wait_for_heading("Your sessions")
    laptop.wait(lambda driver: len(session_rows(laptop)) == 2, "two sessions")
    [this_device] = [row for row in session_rows(laptop) if "This device" in row.text]
    [other] = [row for row in session_rows(laptop) if "This device" not in row.text]
    assert "Headless Chrome on Linux" in other.text and agent in other.text and "127.0.0.1" in other.text
    assert laptop.buttons("End session on this device", within=this_device)
    laptop.click("End session of Headless Chrome on Linux, 127.0.0.1", within=other)
    assert notice(laptop) == "The session of Headless Chrome on Linux has ended."
    laptop.wait(lambda driver: len(session_rows(laptop)) == 1, "one session left")
    assert "This device" in session_rows(laptop)[0].text

    phone.driver.refresh()  # its refresh token was revoked: back to the log-in page
    phone.wait_for_path("/login?next=%2Ftasks")
    phone.wait_for_text(SESSION_ENDED)
    assert refresh_token_of(phone) is None

    refresh = refresh_token_of(laptop)
    laptop.click("End session on this device")
    laptop.wait_for_path("/login")
    laptop.wait_for_text("You have ended this session. Log in again to carry on.")
    assert refresh_token_of(laptop) is None
    assert mail_server.http.call("POST", "/api/token/refresh/", {"refresh": refresh}).status == 401


# --- an admin's new user, and a user's sessions ---------------------------------------------------


def test_admin_creates_a_user_who_sets_a_password_then_ends_their_sessions(
    mail_server: Gunicorn, smtp: Smtp, browser: Browser, account: NewAccount
) -> None:
    admin = account("ADMIN")
    admin_page = browser("admin", mail_server)
    sign_in(admin_page, admin)
    admin_page.link("Users").click()
    admin_page.wait_for_heading("Users")
    panel = admin_page.wait(
        lambda driver: driver.find_element(By.CSS_SELECTOR, "details.panel"), "the Create user panel"
    )
    panel.find_element(By.TAG_NAME, "summary").click()

    hire = fresh_email("hire")
    admin_page.fill("Email", hire, within=panel)
    admin_page.choose("Role", "Seller", within=panel)
    admin_page.fill("First name (optional)", "Hana", within=panel)
    admin_page.click("Create user", within=panel)
    assert notice(admin_page) == f"{hire} is created: a link to choose a password has been mailed to it."

    admin_page.fill("Email", hire, within=panel)  # again: the address is taken now
    admin_page.click("Create user", within=panel)
    assert field_error(admin_page, "Email", within=panel) == "An account with this email address already exists."

    hire_page = browser("hire", mail_server)
    hire_page.driver.get(mailed_link(smtp, mail_server, hire, INVITE_SUBJECT, "reset-password"))
    hire_page.wait_for_heading("Choose a new password")
    hire_page.fill("New password", NEW_PASSWORD)
    hire_page.click("Set password")
    assert notice(hire_page) == "Your new password is set."
    hire_page.link("Log in with it").click()
    sign_in(hire_page, Account(hire, NEW_PASSWORD, 0, "SELLER"))
    hire_page.wait_for_text(f"Signed in as {hire} (Seller)")

    filters = admin_page.wait(lambda driver: driver.find_element(By.CSS_SELECTOR, "form[role=search]"), "the filters")
    admin_page.fill("Search", hire, within=filters)
    admin_page.click("Apply filters", within=filters)
    admin_page.click(f"Manage {hire}")
    admin_page.wait_for_text("1 live session.")
    [row] = session_rows(admin_page)
    assert "Headless Chrome on Linux" in row.text and "This device" not in row.text
    admin_page.click(f"End all sessions of {hire}")
    admin_page.wait_for_text(f"Every session of {hire} has ended.")
    admin_page.wait_for_text("No live sessions.")

    hire_page.driver.refresh()
    hire_page.wait_for_path("/login?next=%2Ftasks")
    hire_page.wait_for_text(SESSION_ENDED)


# --- deleting the account -----------------------------------------------------------------------


def test_delete_the_account_after_confirming_with_the_password(
    mail_server: Gunicorn, browser: Browser, account: NewAccount
) -> None:
    user = account("CUSTOMER")
    page = browser("customer", mail_server)
    sign_in(page, user)
    page.link("Profile").click()
    danger = section(page, "Delete your account")
    assert not page.fields("Password", within=danger)  # a second step asks for it
    page.click("Delete account…", within=danger)
    assert page.active_element() == page.field("Password", within=danger)
    page.click("Keep my account", within=danger)
    page.wait(lambda driver: page.active_element() == page.button("Delete account…", within=danger), "focus back")

    page.click("Delete account…", within=danger)
    page.fill("Password", "not-my-password", within=danger)
    page.click("Delete my account", within=danger)
    assert field_error(page, "Password", within=danger) == "The current password is wrong."
    page.fill("Password", PASSWORD, within=danger)
    page.click("Delete my account", within=danger)
    page.wait_for_path("/login")
    assert notice(page) == "Your account has been deleted."
    assert refresh_token_of(page) is None
    login = mail_server.http.call("POST", "/api/login/", {"email": user.email, "password": PASSWORD})
    assert login.status == 401 and login.json()["code"] == "invalid_credentials"
