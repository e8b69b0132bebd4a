"""The permission layer in the web client, in headless chromium: the matrix on /permissions
(read-only for a SELLER; an admin changes a role's grants, sees the change log, meets a locked
grant and restores the defaults), an admin's explanation of a verdict on a user's page, and the
new pages' fit on a phone's width."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement

from nexora_testkit.live_server import Gunicorn
from tests.web.browser import Page
from tests.web.conftest import Account, sign_in
from tests.web.test_web_client import Browser, NewAccount, apply_filters, new_task_form

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

PHONE_WIDTH = 390


def token_of(server: Gunicorn, account: Account) -> str:
    reply = server.http.call("POST", "/api/login/", {"email": account.email, "password": account.password})
    assert reply.status == 200, reply.body
    return str(reply.json()["access"])


def matrix_row(page: Page, policy: str) -> list[str]:
    """The cells of `policy`'s row of the matrix, after its name: one per role, "Yes" or "No"."""
    row = page.wait(
        lambda driver: driver.find_element(
            By.XPATH, f"//table[contains(@class, 'matrix')]//tr[th[@scope='row']/code[normalize-space(.)='{policy}']]"
        ),
        f"the matrix row of {policy}",
    )
    return [cell.text for cell in row.find_elements(By.TAG_NAME, "td")]


def change_log(page: Page) -> WebElement:
    return page.wait(lambda driver: driver.find_element(By.CSS_SELECTOR, "ol.changes"), "the change log")


def fits_a_phone(page: Page) -> None:
    """At 390 px wide the page scrolls only downwards."""
    page.driver.set_window_size(PHONE_WIDTH, 900)
    page.wait(
        lambda driver: page.script("return document.documentElement.clientWidth") <= PHONE_WIDTH,
        "a phone-wide window",
    )
    width = page.script("return document.documentElement.scrollWidth")
    wide = page.script(
        "return [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > arguments[0])"
        ".map((e) => e.tagName + '.' + e.className).slice(-4)",
        PHONE_WIDTH,
    )
    assert width <= PHONE_WIDTH, f"the page is {width} px wide: {wide}"


def test_an_admin_changes_a_roles_grants_sees_the_log_and_restores_the_defaults(
    server: Gunicorn, browser: Browser, account: NewAccount
) -> None:
    admin, seller = account("ADMIN"), account("SELLER")
    page = browser("admin", server)
    sign_in(page, admin)
    page.link("Permissions").click()
    page.wait_for_heading("Permissions")
    assert matrix_row(page, "tasks.assign") == ["Yes", "Yes", "No"]
    page.wait_for_text("No grant has been changed")

    page.choose("Role to change", "Seller")
    form = page.wait(
        lambda driver: driver.find_element(By.CSS_SELECTOR, "form[aria-label='Policies of Seller']"), "the form"
    )
    box = page.field("tasks.assign", within=form)
    assert box.is_selected()
    box.click()
    page.click("Save the policies of Seller")
    page.wait_for_text("Seller holds 5 policies now.")
    page.wait(lambda driver: matrix_row(page, "tasks.assign") == ["Yes", "No", "No"], "SELLER without tasks.assign")
    entries = change_log(page).find_elements(By.TAG_NAME, "li")
    assert len(entries) == 1 and entries[0].text.startswith("Seller lost tasks.assign")
    assert f"by User #{admin.id}" in entries[0].text
    # The server holds it: the seller is refused the directory, for the role.
    refused = server.http.call("GET", "/api/users/directory/", token=token_of(server, seller))
    assert refused.status == 403 and refused.json()["reason"] == "role"

    # A locked grant: the form says so, and nothing changes.
    page.choose("Role to change", "Admin")
    form = page.wait(
        lambda driver: driver.find_element(By.CSS_SELECTOR, "form[aria-label='Policies of Admin']"), "the form"
    )
    page.field("permissions.manage", within=form).click()
    page.click("Save the policies of Admin")
    alert = page.wait(lambda driver: form.find_element(By.CSS_SELECTOR, ".form-error"), "the locked grant said")
    assert "ADMIN must keep permissions.manage" in alert.text
    assert page.active_element() == alert
    assert len(change_log(page).find_elements(By.TAG_NAME, "li")) == 1

    page.choose("Role to change", "Seller")
    page.click("Restore the defaults of Seller")
    page.wait_for_text("Seller holds the default policies again.")
    page.wait(lambda driver: matrix_row(page, "tasks.assign") == ["Yes", "Yes", "No"], "the defaults back")
    page.wait(lambda driver: len(change_log(page).find_elements(By.TAG_NAME, "li")) == 2, "two changes")
    newest = change_log(page).find_elements(By.TAG_NAME, "li")[0]
    assert newest.text.startswith("Seller gained tasks.assign")
    assert server.http.call("GET", "/api/users/directory/", token=token_of(server, seller)).status == 200

    page.driver.refresh()  # a reload of /permissions serves the app
    page.wait_for_heading("Permissions")
    assert len(change_log(page).find_elements(By.TAG_NAME, "li")) == 2
    fits_a_phone(page)


def test_a_seller_reads_the_matrix_without_changing_it(server: Gunicorn, browser: Browser, account: NewAccount) -> None:
    seller = account("SELLER")
    page = browser("seller", server)
    sign_in(page, seller)
    page.open("/permissions")  # a direct load
    page.wait_for_heading("Permissions")
    assert matrix_row(page, "users.view") == ["Yes", "No", "No"]
    page.wait_for_text("Delete every task.")  # each policy described
    assert not page.driver.find_elements(By.CSS_SELECTOR, "input[type=checkbox]")
    assert not page.buttons("Save the policies of Seller") and not page.driver.find_elements(
        By.CSS_SELECTOR, "ol.changes"
    )
    fits_a_phone(page)


def test_an_admin_explains_why_an_assignee_may_not_delete_a_task(
    server: Gunicorn, browser: Browser, account: NewAccount
) -> None:
    admin, seller, customer = account("ADMIN"), account("SELLER"), account("CUSTOMER")
    created = server.http.call(
        "POST", "/api/tasks/", {"title": "Ship it", "assignee_id": customer.id}, token=token_of(server, seller)
    )
    assert created.status == 201, created.body
    task_id = created.json()["id"]

    page = browser("admin", server)
    sign_in(page, admin)
    assert page.fields("Assignee", within=new_task_form(page))  # an ADMIN assigns
    page.link("Users").click()
    page.wait_for_heading("Users")
    apply_filters(page, Search=customer.email)
    page.click(f"Manage {customer.email}")
    page.choose("Policy", "tasks.delete_own: Delete tasks you own.")
    page.fill("Task id (optional)", str(task_id))
    page.click(f"Explain for {customer.email}")
    page.wait_for_text("Refused: tasks.delete_own.")
    answer = page.driver.find_element(By.CSS_SELECTOR, ".verdict-box").text.splitlines()
    assert answer == [
        f"{customer.email}, tasks.delete_own, task #{task_id}",
        "Refused: tasks.delete_own.",
        "This user's role is Customer; it holds the policy by default (the code's defaults).",
        "Reason (object): the role holds the policy, but its rule on this task refuses.",
        "Rule that decided: is_owner.",
    ]

    page.fill("Task id (optional)", "")  # without a task the role alone decides
    page.choose("Policy", "tasks.delete_any: Delete every task.")
    page.click(f"Explain for {customer.email}")
    page.wait_for_text("Refused: tasks.delete_any.")
    assert (
        "Reason (role): the role does not hold the policy."
        in page.driver.find_element(By.CSS_SELECTOR, ".verdict-box").text
    )
    fits_a_phone(page)
