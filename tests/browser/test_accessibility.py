"""WCAG 2.1 A/AA in a real browser: axe-core runs on every page, as a steering member and as
a head on the demo company, and on the sign-in page. Any violation the app owns fails the
test; what Streamlit's own markup causes is listed once, with the reason, in `KNOWN`
(docs/accessibility.md explains both and how to run the check).

axe-core is the npm package pinned in tests/browser/package.json, installed with
`npm ci --prefix tests/browser` (.ci/run does it). Without it the tests skip, naming that
command; with CI=true they fail, as the other browser tests do without Chromium.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import pytest

from tests.browser.conftest import ROOT, Server, settled, visit, wait_ready
from ui import navigation

pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
REPORTS = ROOT / "artifacts" / "accessibility"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
STEERING, HEAD = "p-mktg-1", "p-bbcare-0"
PLOT = '[data-testid="stPlotlyChart"] .main-svg'


@dataclass(frozen=True)
class Known:
    """A violation Streamlit's own markup causes: axe's rule id, a CSS selector every such
    element matches (axe's own selectors name generated classes that change between
    releases), and why the app cannot fix it."""

    rule: str
    selector: str
    reason: str


# The one allow-list; docs/accessibility.md repeats the reasons. Remove an entry when a
# Streamlit upgrade fixes its markup (the raw reports under artifacts/ show what matched).
KNOWN: tuple[Known, ...] = (
    Known(
        "listitem",
        '[data-testid="stSidebarNavItems"] li',
        "Streamlit's sidebar navigation (st.navigation with sections) wraps each section's "
        "<li> page links in a <div> inside the <ul>, so the <li> has no list parent.",
    ),
    Known(
        "list",
        'ul[data-testid="stSidebarNavItems"]',
        "The same sidebar <ul> has those <div> section wrappers as direct children.",
    ),
)

# Runs axe-core on the page and says, per element, which KNOWN entry (index) covers it:
# the element itself is only reachable inside the browser.
_RUN_AXE = """async ([tags, known]) => {
  const report = await axe.run(document, {
    runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'], elementRef: true,
  });
  return report.violations.flatMap(rule => rule.nodes.map(node => ({
    rule: rule.id,
    impact: rule.impact || '',
    target: node.target.map(String).join(' '),
    html: node.html,
    summary: (node.failureSummary || '').replace(/\\n/g, ' '),
    known: known.findIndex(
      k => k.rule === rule.id && node.element && node.element.matches(k.selector)),
  })));
}"""


@dataclass(frozen=True)
class Violation:
    rule: str
    impact: str
    target: str
    html: str
    summary: str
    known: int  # the index of the KNOWN entry that covers it, or -1: the app's own

    def __str__(self) -> str:
        return f"{self.rule} ({self.impact}) at {self.html[:120]}: {self.summary}"


def owned(violations: list[Violation]) -> list[Violation]:
    """The violations no `KNOWN` entry covers: the app's own, to fix."""
    return [v for v in violations if v.known < 0]


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's script: skip without it, except in CI where it must be there."""
    if AXE.is_file():
        return AXE.read_text(encoding="utf-8")
    message = f"{AXE} not found; install it with: npm ci --prefix tests/browser"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def run_axe(page, axe_source: str, name: str) -> list[Violation]:  # noqa: ANN001
    """Run axe-core's WCAG 2.1 A/AA rules on the page as shown; keep the violations under
    artifacts/accessibility/NAME.json for a person to read."""
    if page.locator('[data-testid="stPlotlyChart"]').count():
        page.wait_for_selector(PLOT, state="attached")
    page.add_script_tag(content=axe_source)
    known = [{"rule": k.rule, "selector": k.selector} for k in KNOWN]
    found = [Violation(**v) for v in page.evaluate(_RUN_AXE, [WCAG_21_AA, known])]
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / f"{name}.json").write_text(json.dumps([asdict(v) for v in found], indent=1))
    return found


def _visits() -> list[tuple[str, str]]:
    return [(e.url_path, STEERING) for e in navigation.available("steering")] + [
        (e.url_path, HEAD) for e in navigation.available("head")
    ]


def _failure(name: str, found: list[Violation]) -> str:
    lines = "\n".join(f"  {v}" for v in found)
    return f"{name}: accessibility violations the app owns ({len(found)}):\n{lines}"


@pytest.mark.parametrize(
    ("url_path", "person"), _visits(), ids=[f"{p}-{who}" for p, who in _visits()]
)
def test_every_page_meets_wcag_21_aa(
    axe_source: str,  # first: without axe-core, skip before starting a server
    demo_server: Server,
    wide,  # noqa: ANN001
    url_path: str,
    person: str,
) -> None:
    visit(wide, demo_server, url_path, person)
    name = f"{url_path}-{person}"
    found = owned(run_axe(wide, axe_source, name))
    assert not found, _failure(name, found)


def test_the_sign_in_page_meets_wcag_21_aa(axe_source: str, demo_server: Server, wide) -> None:  # noqa: ANN001
    wide.goto(demo_server.url)
    wait_ready(wide)
    settled(wide)
    found = owned(run_axe(wide, axe_source, "sign-in"))
    assert not found, _failure("sign-in", found)
