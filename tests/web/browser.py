"""Debian's chromium driven by Selenium through /usr/bin/chromedriver (never Selenium Manager,
never a download), and the few ways the tests look at and use the web client's pages:
controls are found by their label or their text, as a user finds them."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
#: Headless, and nothing the closed network of CI would refuse (updates, sync, first-run pages).
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
    "--window-size=1280,1000",
    "--lang=en-US",
)
WAIT_SECONDS = 10

T = TypeVar("T")


def missing() -> list[str]:
    return [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.is_file()]


def start_chromium(profile_root: Path) -> webdriver.Chrome:
    """A fresh headless chromium with an empty profile; console messages kept for `console_errors`."""
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tempfile.mkdtemp(dir=profile_root)}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # An explicit driver path: Selenium skips Selenium Manager, which would try to download one;
    # were it ever asked, it would be this missing file and fail at once, downloading nothing.
    os.environ["SE_MANAGER_PATH"] = str(profile_root / "no-selenium-manager")
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.implicitly_wait(0)
    return driver


class Page:
    """One browser on the web client at `base`."""

    def __init__(self, driver: webdriver.Chrome, base: str) -> None:
        self.driver = driver
        self.base = base

    def open(self, path: str) -> None:
        self.driver.get(self.base + path)

    def wait(self, condition: Callable[[webdriver.Chrome], T | None], what: str, timeout: float = WAIT_SECONDS) -> T:
        """The first truthy value of `condition`, polled for up to `timeout` seconds."""
        # An element may be replaced while it is read (React re-renders a list): read again.
        waiting = WebDriverWait(
            self.driver, timeout, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)
        )
        found = waiting.until(condition, message=f"waiting for {what}")
        assert found is not None
        return found

    @property
    def path(self) -> str:
        return str(self.driver.execute_script("return location.pathname + location.search"))

    def wait_for_path(self, path: str) -> None:
        self.wait(lambda driver: self.path == path, f"the page {path} (at {self.path})")

    def wait_for_heading(self, text: str) -> None:
        self.wait(
            lambda driver: any(h.text == text for h in driver.find_elements(By.TAG_NAME, "h1")), f"heading {text!r}"
        )

    def wait_for_text(self, text: str, within: WebElement | None = None) -> None:
        self.wait(
            lambda driver: text in (within or driver.find_element(By.TAG_NAME, "body")).text, f"the text {text!r}"
        )

    def fields(self, label: str, within: WebElement | None = None) -> list[WebElement]:
        """The controls labelled `label` (a `<label for>` whose text is exactly it)."""
        scope = within or self.driver
        labels = scope.find_elements(By.XPATH, f".//label[normalize-space(.)={xpath_literal(label)}]")
        return [self.driver.find_element(By.ID, str(item.get_attribute("for"))) for item in labels]

    def field(self, label: str, within: WebElement | None = None) -> WebElement:
        return self.wait(lambda driver: next(iter(self.fields(label, within)), None), f"a field labelled {label!r}")

    def fill(self, label: str, value: str, within: WebElement | None = None) -> None:
        element = self.field(label, within)
        element.clear()
        element.send_keys(value)

    def choose(self, label: str, option: str, within: WebElement | None = None) -> None:
        Select(self.field(label, within)).select_by_visible_text(option)

    def buttons(self, text: str, within: WebElement | None = None) -> list[WebElement]:
        """Buttons whose accessible text (visually hidden parts included) is `text`."""
        scope = within or self.driver
        found = scope.find_elements(By.XPATH, f".//button[normalize-space(.)={xpath_literal(text)}]")
        return [button for button in found if button.is_displayed()]

    def button(self, text: str, within: WebElement | None = None) -> WebElement:
        return self.wait(lambda driver: next(iter(self.buttons(text, within)), None), f"a button {text!r}")

    def click(self, text: str, within: WebElement | None = None) -> None:
        self.button(text, within).click()

    def link(self, text: str) -> WebElement:
        return self.wait(lambda driver: driver.find_element(By.LINK_TEXT, text), f"a link {text!r}")

    def task(self, title: str) -> WebElement:
        """The list item of the task titled `title`."""
        xpath = f"//li[contains(@class, 'task')][.//h3[normalize-space(.)={xpath_literal(title)}]]"
        return self.wait(lambda driver: driver.find_element(By.XPATH, xpath), f"the task {title!r}")

    def task_titles(self) -> list[str]:
        """The titles of the tasks listed, read in one go."""
        titles = self.script("return [...document.querySelectorAll('li.task h3')].map((h) => h.textContent)")
        return [str(title) for title in titles]

    def active_element(self) -> WebElement:
        return self.driver.switch_to.active_element

    def script(self, code: str, *args: Any) -> Any:
        return self.driver.execute_script(code, *args)

    def console_errors(self) -> list[str]:
        """Console messages at SEVERE level since the last call (CSP violations are among them)."""
        entries = self.driver.get_log("browser")  # type: ignore[no-untyped-call]  # selenium leaves get_log unannotated
        return [entry["message"] for entry in entries if entry["level"] == "SEVERE"]


def xpath_literal(text: str) -> str:
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    parts = text.split("'")
    return "concat(" + ', "\'", '.join(f"'{part}'" for part in parts) + ")"
