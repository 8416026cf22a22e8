"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live_server.

Every test in this folder is marked `e2e`: run them alone with `pytest tests/e2e`, leave them out
with `-m "not e2e"`. A journey asks for `page` (relative URLs go to the live server) and calls
`check_page(page)` on every page it visits: no CSP violation and no axe-core violation of WCAG 2.x
A/AA right away, and the Nu HTML Checker on its HTML, batched for the whole run because the
checker's Java start costs seconds. A failing test leaves a screenshot and the HTML of each open
page under test-artifacts/failures/ and names them in its report.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page

from tests.e2e.checks import (
    ARTIFACTS,
    assert_no_axe_violations,
    assert_no_csp_violations,
    describe_html_errors,
    document_html,
    require,
    require_nu_checker,
    validate_html_files,
    watch,
)

E2E_DIR = Path(__file__).resolve().parent
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if E2E_DIR in item.path.parents:
            item.add_marker(pytest.mark.e2e)


# --- The browser and the live server ----------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def _django_beside_playwright() -> Iterator[None]:
    # Playwright's sync API keeps an event loop running in the test thread, so Django would refuse
    # the tests' own database calls (the live server has its own thread and is unaffected). Set
    # only while browser tests run, so the rest of the suite keeps Django's check.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    require(
        Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK),
        f"Chromium ({CHROMIUM})",
        "`sudo apt-get install chromium` (Debian/Ubuntu), or set CHROMIUM_PATH",
    )
    # Playwright's own browser download is neither needed nor possible here: use the system one.
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict, live_server) -> dict:
    # Relative URLs (`page.goto(reverse("login"))`) go to the live server.
    return {**browser_context_args, "base_url": live_server.url}


@pytest.fixture
def new_context(new_context: Callable[..., BrowserContext]) -> Callable[..., BrowserContext]:
    """Every context (`context`, or more from `new_context()` for a second user) is watched:
    each of its pages reports CSP violations and keeps its document response from the start."""

    def create(**kwargs) -> BrowserContext:
        context = new_context(**kwargs)
        context.on("page", watch)
        return context

    return create


@pytest.fixture
def sign_in(context: BrowserContext, live_server) -> Callable:
    """Sign a user in without the sign-in page: a session cookie from the test client."""

    def sign_in(user, *, into: BrowserContext | None = None) -> None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        (into or context).add_cookies(
            [{"name": cookie.key, "value": cookie.value, "url": live_server.url}]
        )

    return sign_in


# --- The checks on every page -----------------------------------------------------------------


class HtmlBatch:
    """Pages waiting for the Nu HTML Checker, which validates them all with one Java start."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.sources: dict[Path, str] = {}

    def add(self, html: str, source: str) -> None:
        path = self.directory / f"page-{len(self.sources) + 1:03d}.html"
        path.write_text(html, encoding="utf-8")
        self.sources[path] = source


@pytest.fixture(scope="session")
def html_batch(worker_id: str) -> Iterator[HtmlBatch]:
    directory = ARTIFACTS / "html" / worker_id
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    batch = HtmlBatch(directory)
    yield batch
    # A failure here is reported as an error in the teardown of the run's last browser test;
    # the message names the test and URL each invalid page came from.
    labels = dict(batch.sources)
    errors = validate_html_files(list(labels)) if labels else {}
    failing = [(path, messages) for path, messages in errors.items() if messages]
    if failing:
        pytest.fail(
            "The Nu HTML Checker found errors in pages the browser tests saw:\n"
            + "\n".join(
                f"- {labels[path]}\n  saved as {path}\n{describe_html_errors(messages)}"
                for path, messages in failing
            ),
            pytrace=False,
        )


@pytest.fixture
def check_page(request: pytest.FixtureRequest, html_batch: HtmlBatch) -> Callable:
    """check_page(page): no CSP violation and no axe violation now, Nu checker at the run's end.

    For pages whose HTML is Django's admin, not ours: `html=False` skips the Nu checker and
    `known=DJANGO_ADMIN_KNOWN` lets through the axe violations Django's admin is known to make.
    """

    def check_page(page: Page, *, html: bool = True, known: dict[str, str] | None = None) -> None:
        page.wait_for_load_state()
        assert_no_csp_violations(page)
        assert_no_axe_violations(page, known)
        if html:
            require_nu_checker()  # skip (or fail on CI) now, not at the end of the run
            html_batch.add(document_html(page), source=f"{request.node.nodeid} → {page.url}")
        request.node.user_properties.append(("page_checked", {"url": page.url, "html": html}))

    return check_page


def pytest_terminal_summary(terminalreporter) -> None:
    checked = [
        value
        for reports in terminalreporter.stats.values()
        for report in reports
        if getattr(report, "when", None) == "call"
        for name, value in getattr(report, "user_properties", [])
        if name == "page_checked"
    ]
    if checked:
        validated = sum(1 for page in checked if page["html"])
        terminalreporter.write_line(
            f"Browser tests: {len(checked)} page views checked (CSP + axe-core), "
            f"{validated} of them also by the Nu HTML Checker; "
            f"{len({page['url'] for page in checked})} distinct URLs."
        )


# --- A screenshot and the HTML of every open page when a test fails ---------------------------


def _open_pages(item: pytest.Item) -> list[Page]:
    pages: list[Page] = []
    for value in getattr(item, "funcargs", {}).values():
        if isinstance(value, Page):
            pages.append(value)
        elif isinstance(value, BrowserContext):
            pages.extend(value.pages)
        elif isinstance(value, Browser):
            pages.extend(page for context in value.contexts for page in context.pages)
    unique = list(dict.fromkeys(pages))
    return [page for page in unique if not page.is_closed()]


def _save_failure_artifacts(item: pytest.Item) -> list[str]:
    directory = ARTIFACTS / "failures" / re.sub(r"[^\w.-]+", "_", item.nodeid)[-150:]
    shutil.rmtree(directory, ignore_errors=True)
    saved = []
    for number, page in enumerate(_open_pages(item), start=1):
        directory.mkdir(parents=True, exist_ok=True)
        screenshot, html = directory / f"page-{number}.png", directory / f"page-{number}.html"
        try:
            page.screenshot(path=screenshot, full_page=True)
            html.write_text(page.content(), encoding="utf-8")
        except Exception as error:  # a crashed page must not hide the test's own failure
            saved.append(f"page {number} ({page.url}): could not be saved: {error}")
            continue
        saved.append(f"page {number} ({page.url}):\n  screenshot {screenshot}\n  html       {html}")
    return saved


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if report.when == "call" and report.failed:
        saved = _save_failure_artifacts(item)
        if saved:
            report.sections.append(("browser artifacts (test-artifacts/)", "\n".join(saved)))
    return report
