"""What every page a browser test visits must pass: axe-core, the Nu HTML Checker, the CSP, a phone.

Plain functions, importable by any browser test. The fixtures that wire them to a test (and batch
the Nu checker, which is slow to start) live in conftest.py beside this file.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

import pytest
from playwright.sync_api import Page, Response

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
ARTIFACTS = ROOT / "test-artifacts"

# WCAG 2.0, 2.1 and 2.2, levels A and AA (axe has no wcag22a tag: 2.2's A rules are in wcag2a/21a).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
INSTALL_HINT = "scripts/setup-browser-tests installs what is missing when run as root"


def on_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def require(available: bool, what: str, how: str) -> None:
    """Skip a browser test on a developer machine that lacks a tool; on CI fail it instead."""
    if available:
        return
    message = f"{what} is missing: {how}. {INSTALL_HINT}; see README, 'Browser tests'."
    if on_ci():
        pytest.fail(f"CI=true: {message}", pytrace=False)
    pytest.skip(message)


# --- The Content-Security-Policy --------------------------------------------------------------


@dataclass
class PageWatch:
    """What a page saw that the DOM does not keep: CSP reports and the last document response."""

    csp_violations: list[str] = field(default_factory=list)
    document: Response | None = None


_watches: dict[Page, PageWatch] = {}


def watch(page: Page) -> PageWatch:
    """Start listening to a page (every page of the `context` fixture is watched already)."""
    if page in _watches:
        return _watches[page]
    seen = _watches[page] = PageWatch()

    def on_console(message) -> None:
        # Chromium reports every blocked inline script, style or foreign source on the console.
        if "Content Security Policy" in message.text:
            seen.csp_violations.append(message.text)

    def on_response(response: Response) -> None:
        if response.request.is_navigation_request() and response.frame == page.main_frame:
            seen.document = response

    page.on("console", on_console)
    page.on("response", on_response)
    page.on("close", lambda _page: _watches.pop(page, None))
    return seen


def assert_no_csp_violations(page: Page) -> None:
    violations = watch(page).csp_violations
    assert not violations, "The Content-Security-Policy blocked something on this page:\n" + (
        "\n".join(f"- {text}" for text in violations)
    )


# --- Accessibility: axe-core ------------------------------------------------------------------


# Violations that Django's own admin templates, CSS and bundled select2 widget make: we note them
# (see README, "Browser tests") rather than patch Django. Rule id → CSS selector of the elements
# let through; any other element breaking the same rule still fails.
DJANGO_ADMIN_KNOWN = {
    # The changelist's filter links are 20px tall (admin/css/changelists.css): WCAG 2.2's 2.5.8.
    "target-size": "#changelist-filter a",
    # TabularInline names its columns in <th>, with no <label> per field, delete box included.
    "label": ".tabular td input, .tabular td textarea, .select2-search__field",
    "select-name": ".tabular td select",
    # The autocomplete widget (select2) renders a combobox <span> without an accessible name.
    "aria-input-field-name": ".select2-selection, .select2-selection__rendered",
}


def axe_violations(page: Page, known: dict[str, str] | None = None) -> list[dict]:
    require(AXE_JS.exists(), "axe-core", "run `npm ci` in the repository")
    # evaluate() goes through the DevTools protocol, which the page's CSP does not govern: axe
    # runs on the page exactly as users get it, with no bypass_csp and no inline <script> tag.
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    return page.evaluate(
        """async ([tags, known]) => {
            const options = {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']};
            const {violations} = await axe.run(document, options);
            for (const violation of violations) {
                const allowed = known[violation.id];
                if (!allowed) continue;
                violation.nodes = violation.nodes.filter((node) => {
                    const element = document.querySelector(node.target[0]);
                    return !(element && element.matches(allowed));
                });
            }
            return violations.filter((violation) => violation.nodes.length > 0);
        }""",
        [AXE_TAGS, known or {}],
    )


def describe_axe_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']} "
            f"[{violation['helpUrl']}]"
        )
        for node in violation["nodes"][:10]:
            target = " ".join(str(part) for part in node["target"])
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"    at {target}: {summary}")
        if len(violation["nodes"]) > 10:
            lines.append(f"    … and {len(violation['nodes']) - 10} more")
    return "\n".join(lines)


def assert_no_axe_violations(page: Page, known: dict[str, str] | None = None) -> None:
    """No WCAG 2.0/2.1/2.2 A or AA violation, except on elements `known` lets through by rule."""
    violations = axe_violations(page, known)
    assert not violations, f"axe-core found WCAG A/AA violations on {page.url}:\n" + (
        describe_axe_violations(violations)
    )


# --- HTML validity: the Nu HTML Checker -------------------------------------------------------


def document_html(page: Page) -> str:
    """The HTML the server sent for the page's current document (not the DOM re-serialized)."""
    response = watch(page).document
    if response is None or response.url.split("#")[0] != page.url.split("#")[0]:
        raise AssertionError(
            f"No HTML response was seen for {page.url}: the Nu checker needs a page reached by "
            "navigation on a watched page (pages of the `context` fixture, or `watch(page)`)."
        )
    return response.text()


# The client compiler alone (C1) halves the checker's CPU time on a short run like ours; its bigger
# stack frames need a bigger stack than the 512k the checker asks for.
JAVA_OPTIONS = ["-XX:TieredStopAtLevel=1", "-Xss8m"]


def _java() -> str | None:
    return shutil.which("java")


def require_nu_checker() -> None:
    require(_java() is not None, "Java", "`sudo apt-get install default-jre-headless`")
    require(VNU_JAR.exists(), "The Nu HTML Checker (vnu-jar)", "run `npm ci` in the repository")


def validate_html_files(paths: list[Path]) -> dict[Path, list[dict]]:
    """Run the Nu checker once over several files: the JVM start (~3.5 s) dominates its cost."""
    require_nu_checker()
    if not paths:
        return {}
    result = subprocess.run(
        [_java(), *JAVA_OPTIONS, "-jar", str(VNU_JAR), "--format", "json", "--stdout"]
        + [str(path) for path in paths],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode not in (0, 1):  # 1 means "the documents have errors"
        raise RuntimeError(f"vnu.jar failed ({result.returncode}): {result.stderr[-2000:]}")
    errors: dict[Path, list[dict]] = {path: [] for path in paths}
    by_path = {path.resolve(): path for path in paths}
    for message in json.loads(result.stdout)["messages"]:
        if message["type"] in ("error", "non-document-error"):
            # vnu names files "file:/tmp/x.html"; Path() folds any run of leading slashes.
            reported = Path(unquote(message.get("url", "").removeprefix("file:"))).resolve()
            errors[by_path.get(reported, paths[0])].append(message)
    return errors


def describe_html_errors(messages: list[dict]) -> str:
    return "\n".join(
        f"    line {message.get('lastLine', '?')}: {message['message']}"
        + (f"  «{message['extract'].strip()}»" if message.get("extract") else "")
        for message in messages
    )


def assert_valid_html(*documents: str) -> None:
    """Zero Nu checker errors in each HTML document given (all checked by one Java start)."""
    with tempfile.TemporaryDirectory() as directory:
        paths = []
        for number, html in enumerate(documents, start=1):
            path = Path(directory) / f"document-{number}.html"
            path.write_text(html, encoding="utf-8")
            paths.append(path)
        errors = validate_html_files(paths)
    failing = [(path, messages) for path, messages in errors.items() if messages]
    assert not failing, "The Nu HTML Checker found errors:\n" + "\n".join(
        f"- {path.name}:\n{describe_html_errors(messages)}" for path, messages in failing
    )


# --- Layout on a phone ------------------------------------------------------------------------

PHONE = {"width": 390, "height": 844}


def assert_no_horizontal_scroll(page: Page) -> None:
    widths = page.evaluate(
        "() => ({scroll: document.scrollingElement.scrollWidth, inner: window.innerWidth})"
    )
    assert widths["scroll"] <= widths["inner"], (
        f"{page.url} scrolls sideways at {widths['inner']}px wide: "
        f"the page is {widths['scroll']}px wide"
    )
