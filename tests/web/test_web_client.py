"""The web client in a real browser (headless chromium) against gunicorn on loopback serving
the built bundle: sign-up, log-in, staying signed in, tasks, roles and their controls, the
shared token refresh and log-out, as a user does them (controls found by their labels)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement

from nexora_testkit.live_server import Gunicorn
from tests.web.browser import Page
from tests.web.conftest import PASSWORD, Account, refresh_token_of, sign_in
from tests.web.short_tokens_settings import ACCESS_SECONDS
from webclient.middleware import WEB_POLICY

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

Browser = Callable[[str, Gunicorn], Page]
NewAccount = Callable[..., Account]


def new_task_form(page: Page) -> WebElement:
    """The "New task" form, opened."""
    details = page.wait(lambda driver: driver.find_element(By.CSS_SELECTOR, "details.panel"), "the New task panel")
    if not details.get_attribute("open"):
        details.find_element(By.TAG_NAME, "summary").click()
    return details


def filters(page: Page) -> WebElement:
    """The form that filters the list."""
    return page.wait(lambda driver: driver.find_element(By.CSS_SELECTOR, "form[role=search]"), "the filters")


def apply_filters(page: Page, **choices: str) -> None:
    """Set the filters by label (`Search="x"`, `Status="Done"`, ...) and apply them."""
    form = filters(page)
    for label, value in choices.items():
        if label == "Search":
            page.fill(label, value, within=form)
        else:
            page.choose(label, value, within=form)
    page.click("Apply filters", within=form)


def pick_person(page: Page, label: str, person: Account, within: WebElement) -> None:
    """Choose `person` in the picker labelled `label` as a keyboard user does: type part of the
    email, move to the suggestion with the arrow keys, Enter."""
    box = page.field(label, within)
    box.clear()
    box.send_keys(person.email.split("@")[0])
    page.wait(
        lambda driver: (
            box.get_attribute("aria-expanded") == "true"
            and person.email in driver.find_element(By.ID, str(box.get_attribute("aria-controls"))).text
        ),
        f"{person.email} suggested",
    )
    box.send_keys(Keys.ARROW_DOWN, Keys.ENTER)
    page.wait_for_text(f"{label}: {person.first_name} ({person.email})", within)


def create_task(page: Page, title: str, *, description: str = "", assignee: Account | None = None) -> None:
    form = new_task_form(page)
    page.fill("Title", title, within=form)
    if description:
        page.fill("Description", description, within=form)
    if assignee is not None:
        pick_person(page, "Assignee", assignee, form)
    page.click("Create task", within=form)
    page.wait_for_text(f"Task “{title}” created.")
    page.task(title)


def test_pages_and_assets_are_served_with_the_policy(server: Gunicorn) -> None:
    page = server.http.call("GET", "/tasks")
    assert page.status == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"] == WEB_POLICY
    assert b"<script" in page.body and b"<script>" not in page.body  # a module from /static/, nothing inline
    script = page.body.decode().split('src="', 2)[1].split('"')[0]
    asset = server.http.call("GET", script)
    assert asset.status == 200 and asset.headers["content-security-policy"] == WEB_POLICY
    assert "immutable" in asset.headers["cache-control"]
    missing = server.http.call("GET", "/tasks/12")
    assert missing.status == 404 and json.loads(missing.body)["code"] == "not_found"


def test_the_policy_holds_in_the_browser(server: Gunicorn, browser: Browser) -> None:
    """What an injected script would try: HTML into the page, a request to another host. The
    browser refuses both and says so in its console (which every test here checks is quiet)."""
    page = browser("visitor", server)
    page.open("/login")
    page.wait_for_heading("Log in")
    blocked = page.script(
        "try { document.body.insertAdjacentHTML('beforeend', '<img src=x onerror=\"window.pwned = 1\">');"
        " return false } catch (error) { return true }"
    )
    page.script("const image = new Image(); image.src = 'http://example.com/beacon.png'; document.body.append(image)")
    time.sleep(0.5)
    assert blocked and page.script("return window.pwned") is None
    messages = " ".join(page.console_errors())
    assert (
        "TrustedHTML" in messages
        and "violates the following Content Security Policy directive: \"img-src 'self'\"" in messages
    )


def test_sign_up_log_in_stay_signed_in_and_log_out(server: Gunicorn, browser: Browser) -> None:
    page = browser("visitor", server)
    email = f"ada.{uuid.uuid4().hex[:8]}@example.com"
    page.open("/register")
    page.wait_for_heading("Sign up")
    page.fill("Email", email)
    page.fill("Password", "password1")  # common: the server refuses it, 422 on ["body", "password"]
    page.fill("First name (optional)", "Ada")
    page.choose("I am a", "Seller")
    page.click("Sign up")

    password = page.field("Password")
    page.wait(lambda driver: password.get_attribute("aria-invalid") == "true", "the password marked invalid")
    error = page.driver.find_element(By.ID, str(password.get_attribute("aria-describedby")).split()[-1])
    assert "common" in error.text.lower()
    assert page.active_element() == password  # focus moved to the field in error

    password.clear()
    password.send_keys(PASSWORD)
    page.click("Sign up")
    page.wait_for_path("/tasks")
    page.wait_for_text(f"Signed in as {email} (Seller)")

    page.driver.refresh()  # the access token was in memory only: the refresh token brings a new one
    page.wait_for_text(f"Signed in as {email} (Seller)")
    page.wait_for_heading("Tasks")
    page.open("/profile")  # a direct load of a client route, as after a reload
    page.wait_for_heading("Your profile")
    page.wait_for_text("tasks.assign")

    refresh = refresh_token_of(page)
    assert refresh
    page.click("Log out")
    page.wait_for_path("/login")
    page.wait_for_text("You have logged out.")
    assert refresh_token_of(page) is None
    assert server.http.call("POST", "/api/token/refresh/", {"refresh": refresh}).status == 401  # revoked on the server
    page.open("/tasks")
    page.wait_for_path("/login?next=%2Ftasks")

    # Keyboard only: type, Tab, type, Enter; a wrong password is said on the form and focused.
    page.field("Email").send_keys(email, Keys.TAB, "not-the-password", Keys.ENTER)
    alert = page.wait(lambda driver: driver.find_element(By.CSS_SELECTOR, ".form-error"), "the form's error")
    assert "wrong" in alert.text
    assert page.active_element() == alert
    password = page.field("Password")
    password.clear()
    password.send_keys(PASSWORD, Keys.ENTER)
    page.wait_for_path("/tasks")


def test_create_filter_edit_and_delete_tasks(server: Gunicorn, browser: Browser, account: NewAccount) -> None:
    user = account("CUSTOMER")
    page = browser("customer", server)
    sign_in(page, user)
    assert not page.fields("Assignee", within=new_task_form(page))  # a CUSTOMER may not assign

    create_task(page, "Write the report", description="Quarterly figures")
    create_task(page, "Book the venue")
    create_task(page, "Order catering")
    page.fill("Title", "", within=new_task_form(page))
    page.click("Create task", within=new_task_form(page))  # an empty title: the browser's own check keeps it
    page.fill("Title", "   ", within=new_task_form(page))  # spaces pass the browser's check; the API says 422
    page.click("Create task", within=new_task_form(page))
    title = page.field("Title", within=new_task_form(page))
    page.wait(lambda driver: title.get_attribute("aria-invalid") == "true", "the title marked invalid")
    error = page.driver.find_element(By.ID, str(title.get_attribute("aria-describedby")).split()[-1])
    assert error.get_attribute("class") == "field-error" and error.text
    assert page.active_element() == title

    apply_filters(page, Search="VENUE")
    page.wait(lambda driver: page.task_titles() == ["Book the venue"], "the search result")
    assert "search=VENUE" in page.path

    apply_filters(page, Search="", Order="Title, A to Z")
    page.wait(
        lambda driver: page.task_titles() == ["Book the venue", "Order catering", "Write the report"],
        "ordered by title",
    )

    item = page.task("Write the report")
    assert page.buttons("Delete “Write the report”", within=item)  # the owner's controls
    page.click("Edit “Write the report”", within=item)
    assert not page.fields("Assignee", within=item)  # a CUSTOMER owner: the task's can.assign is false
    page.fill("Title", "Write the annual report", within=item)
    page.choose("Status", "In progress", within=item)
    page.click("Save task", within=item)
    page.wait_for_text("Task “Write the annual report” saved.")

    apply_filters(page, Status="In progress")
    page.wait(lambda driver: page.task_titles() == ["Write the annual report"], "the status filter")
    page.driver.refresh()  # the filters live in the URL
    page.wait(lambda driver: page.task_titles() == ["Write the annual report"], "the status filter after a reload")

    apply_filters(page, Status="Any status")
    item = page.task("Order catering")
    page.click("Delete “Order catering”", within=item)
    page.click("Yes, delete", within=item)
    page.wait_for_text("Task “Order catering” deleted.")
    page.wait(lambda driver: "Order catering" not in page.task_titles(), "the task gone")


def test_the_list_comes_in_pages(server: Gunicorn, browser: Browser, account: NewAccount) -> None:
    user = account("CUSTOMER")
    token = server.http.call("POST", "/api/login/", {"email": user.email, "password": user.password}).json()["access"]
    for n in range(1, 23):
        assert server.http.call("POST", "/api/tasks/", {"title": f"Task {n:02}"}, token=token).status == 201
    page = browser("customer", server)
    sign_in(page, user)
    pages = page.wait(lambda driver: driver.find_element(By.CSS_SELECTOR, "nav[aria-label='Task pages']"), "the pages")
    assert pages.text.startswith("1–20 of 22") and "Previous page" not in pages.text  # noqa: RUF001  # the page shows an en dash
    page.link("Next page").click()
    page.wait_for_path("/tasks?page=2")
    page.wait(lambda driver: page.task_titles() == ["Task 02", "Task 01"], "the second page")
    page.driver.refresh()
    page.wait(lambda driver: page.task_titles() == ["Task 02", "Task 01"], "the second page after a reload")
    page.link("Previous page").click()
    page.wait(lambda driver: len(page.task_titles()) == 20, "the first page")


def test_a_seller_assigns_to_a_customer_who_may_only_change_its_status(
    server: Gunicorn, browser: Browser, account: NewAccount
) -> None:
    seller, customer = account("SELLER"), account("CUSTOMER")
    seller_page = browser("seller", server)
    sign_in(seller_page, seller)
    create_task(seller_page, "Deliver the order", assignee=customer)
    item = seller_page.task("Deliver the order")
    assert f"Assignee\n{customer.first_name} ({customer.email})" in item.text
    assert seller_page.buttons("Edit “Deliver the order”", within=item)  # the owner edits and deletes
    assert seller_page.buttons("Delete “Deliver the order”", within=item)

    customer_page = browser("customer", server)
    sign_in(customer_page, customer)
    item = customer_page.task("Deliver the order")
    assert "Assignee\nYou" in item.text
    assert not customer_page.buttons("Edit “Deliver the order”", within=item)
    assert not customer_page.buttons("Delete “Deliver the order”", within=item)
    customer_page.choose("Status of “Deliver the order”", "Done", within=item)
    customer_page.click("Set status of “Deliver the order”", within=item)
    customer_page.wait_for_text("“Deliver the order” is now done.")

    apply_filters(customer_page, Assignee="Assigned to me")
    customer_page.wait(lambda driver: customer_page.task_titles() == ["Deliver the order"], "the assignee filter")

    seller_page.driver.refresh()
    seller_page.wait(lambda driver: "Status\nDone" in seller_page.task("Deliver the order").text, "the new status")


def test_an_admin_promotes_a_user_whose_controls_change_on_their_next_load(
    server: Gunicorn, browser: Browser, account: NewAccount
) -> None:
    admin, customer, leaver = account("ADMIN"), account("CUSTOMER"), account("CUSTOMER")
    customer_page = browser("customer", server)
    sign_in(customer_page, customer)
    assert not customer_page.fields("Assignee", within=new_task_form(customer_page))
    assert "Users" not in [link.text for link in customer_page.driver.find_elements(By.CSS_SELECTOR, "nav a")]

    admin_page = browser("admin", server)
    sign_in(admin_page, admin)
    admin_page.link("Users").click()
    admin_page.wait_for_heading("Users")
    apply_filters(admin_page, Search=customer.email)
    admin_page.click(f"Manage {customer.email}")
    admin_page.wait_for_text("The role has never been changed.")
    admin_page.choose(f"Role of {customer.email}", "Seller")
    admin_page.click("Change role")
    admin_page.wait_for_text(f"{customer.email} is now Seller.")
    history = admin_page.wait(
        lambda driver: driver.find_element(By.XPATH, "//h3[.='Role history']/following-sibling::div/table"),
        "the role history",
    )
    assert f"Customer Seller User #{admin.id}" in history.text

    apply_filters(admin_page, Search=leaver.email)
    admin_page.click(f"Manage {leaver.email}")
    admin_page.click(f"Deactivate {leaver.email}")
    admin_page.wait_for_text(f"{leaver.email} is deactivated")
    assert server.http.call("POST", "/api/login/", {"email": leaver.email, "password": PASSWORD}).status == 401

    customer_page.driver.refresh()  # the role's controls are read once per page load
    customer_page.wait_for_text(f"Signed in as {customer.email} (Seller)")
    assert customer_page.field("Assignee", within=new_task_form(customer_page))


def requests_logged(server: Gunicorn, since: int) -> list[tuple[str, str, int]]:
    """(method, path, status) of each request the server logged after byte `since` of its log."""
    with server.log.open("rb") as log:
        log.seek(since)
        lines = log.read().decode(errors="replace").splitlines()
    found = []
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("logger") == "nexora.request":
            found.append((record["method"], record["path"], record["status"]))
    return found


def test_an_expired_access_token_is_refreshed_once_for_parallel_requests(
    short_token_server: Gunicorn, browser: Browser, account: NewAccount
) -> None:
    user = account("CUSTOMER")
    page = browser("customer", short_token_server)
    sign_in(page, user)
    time.sleep(ACCESS_SECONDS + 1)  # the access token in memory has expired

    mark = short_token_server.log.stat().st_size
    page.link("Profile").click()  # three requests at once: the profile, its permissions, the matrix
    page.wait_for_heading("Your profile")
    page.wait_for_text("tasks.create")
    logged = requests_logged(short_token_server, mark)
    gets = ["/api/profile/", "/api/profile/permissions/", "/api/permissions/"]
    assert sorted(path for method, path, status in logged if status == 401) == sorted(gets)
    assert [(path, status) for method, path, status in logged if path == "/api/token/refresh/"] == [
        ("/api/token/refresh/", 200)
    ]
    assert sorted(path for method, path, status in logged if status == 200 and path != "/api/token/refresh/") == sorted(
        gets
    )

    # A refresh the server refuses (this session was logged out elsewhere) returns to the log-in page.
    refresh = refresh_token_of(page)
    assert short_token_server.http.call("POST", "/api/logout/", {"refresh": refresh}).status == 204
    time.sleep(ACCESS_SECONDS + 1)
    page.link("Tasks").click()
    page.wait_for_path("/login?next=%2Ftasks")
    page.wait_for_text("Your session has ended. Please log in again.")
