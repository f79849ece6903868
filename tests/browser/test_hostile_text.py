"""A hostile bundle in a real browser: every page, every role, and no element the text made.

The bundle of tests/hostile.py (markdown images and links, raw HTML, Plotly tags, an open
U+202E, formulas, maximum-length text in every free-text field) is loaded; every page is
opened as every role (one browser context per role). The page must not hold an image,
link, frame, script, heading, table or bold text that came from the text, and the browser
must never ask for the trap address (127.0.0.1:9) the text points at. Then its exports —
the bundle's CSV and .xlsx, the review pack's PDF and workbook — must hold the text inert.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator

import pytest
from openpyxl import load_workbook

from cxos import text
from cxos.bundle.as_person import export_xlsx_bytes, export_zip_bytes
from cxos.review import meetings, pack
from cxos.storage import Database
from tests.browser.conftest import Server, screenshot, start_server, wait_ready
from tests.hostile import TRAP_HOST, load_hostile
from tests.sample import PERSONAS
from ui import navigation

pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.browser
PLOT = '[data-testid="stPlotlyChart"] .main-svg'

# Everything on the page that the text could have turned into markup, by its trace.
MADE_BY_TEXT = """(trap) => {
  const found = [];
  const say = (e) => found.push(e.outerHTML.slice(0, 200));
  for (const e of document.querySelectorAll('img, iframe, a, image, script, source, video')) {
    const target = [e.getAttribute('src'), e.getAttribute('href'),
                    e.getAttribute('xlink:href')].join(' ');
    if (target.includes(trap) || e.getAttribute('src') === 'x') say(e);
    if (e.tagName === 'SCRIPT' && e.textContent.includes('alert(1)')) say(e);
  }
  for (const e of document.querySelectorAll('[onerror], [onload]')) say(e);
  const prose = '[data-testid="stMarkdownContainer"], [data-testid="stCaptionContainer"]';
  for (const box of document.querySelectorAll(prose)) {
    const made = {
      'h1, h2, h3, h4, h5, h6': 'Heading', blockquote: 'quote', th: 'a', 'b, strong': 'bold',
    };
    for (const [tags, words] of Object.entries(made)) {
      for (const e of box.querySelectorAll(tags)) {
        if (e.textContent.trim() === words || e.textContent.trim() === 'strong') say(e);
      }
    }
  }
  for (const e of document.querySelectorAll('.main-svg tspan, .main-svg a')) {
    if (e.textContent.trim() === 'bold' && (e.getAttribute('style') || '').includes('bold')) {
      say(e);
    }
  }
  return found;
}"""


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory, chromium: str) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("hostile-server")
    path = tmp / "cxos.duckdb"
    load_hostile(Database(path), dt.date.today())
    server = start_server(tmp, path, "demo")
    yield server
    server.stop()


def _settled(page) -> None:  # noqa: ANN001
    wait_ready(page)
    page.wait_for_function(
        '!document.querySelector(\'[data-testid="stSkeleton"], [data-stale="true"]\')'
    )
    if page.locator('[data-testid="stPlotlyChart"]').count():
        page.wait_for_selector(PLOT, state="attached")


@pytest.mark.parametrize("role", list(PERSONAS))
def test_every_page_shows_hostile_text_without_making_elements_or_requests(
    hostile: Server,
    browser,  # noqa: ANN001
    role: str,
) -> None:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.set_default_timeout(45_000)
    trapped: list[str] = []
    context.on("request", lambda r: trapped.append(r.url) if TRAP_HOST in r.url else None)
    page = context.new_page()
    problems: dict[str, list[str]] = {}
    try:
        page.goto(f"{hostile.url}/?as={PERSONAS[role]}")
        wait_ready(page)
        for entry in navigation.available(role):
            # Through the sidebar, as a person goes: one session, no reconnect per page.
            link = page.locator(f'[data-testid="stSidebarNav"] a[href$="/{entry.url_path}"]')
            if link.count():  # the landing page has no link of its own
                link.click()
                page.wait_for_url(f"**/{entry.url_path}*")
            _settled(page)
            assert not page.locator('[data-testid="stException"]').count(), entry.url_path
            made = page.evaluate(MADE_BY_TEXT, TRAP_HOST)
            if made:
                problems[entry.url_path] = made
                screenshot(page, f"hostile-{role}-{entry.url_path}")
        page.wait_for_timeout(500)  # let any late image or font request show itself
    finally:
        context.close()
    assert not problems, problems
    assert not trapped, trapped


# -- exports ----------------------------------------------------------------------------


def _database(server: Server) -> Database:
    return Database(server.db_path)


def test_xlsx_export_holds_the_text_as_strings(hostile: Server) -> None:
    book = load_workbook(io.BytesIO(export_xlsx_bytes(_database(hostile))))
    formulas = _assert_string_cells(book)
    assert formulas  # the hostile formulas are there, shown as text


def _assert_string_cells(book) -> int:  # noqa: ANN001 - an openpyxl workbook
    """Every text cell is a string cell; formula-like ones carry quotePrefix. Their count."""
    formulas = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and text.looks_like_formula(cell.value):
                    assert cell.quotePrefix, (sheet.title, cell.coordinate, cell.value)
                    formulas += 1
    return formulas


def test_csv_export_neutralises_formulas_and_keeps_the_text(hostile: Server) -> None:
    with zipfile.ZipFile(io.BytesIO(export_zip_bytes(_database(hostile)))) as bundle:
        names = [n for n in bundle.namelist() if n.endswith(".csv")]
        cells = [
            cell
            for name in names
            for row in csv.reader(io.StringIO(bundle.read(name).decode("utf-8")))
            for cell in row
        ]
    assert any("feedback.text" in c for c in cells)
    for cell in cells:
        assert not text.looks_like_formula(cell), cell[:200]


def test_review_pack_pdf_and_workbook_hold_the_text_inert(hostile: Server) -> None:
    db = _database(hostile)
    current = next(m for m in meetings.list_meetings(db) if m.status == "open")
    view = meetings.view(db, current.id)
    pdf = pack.build_pdf(view)  # with the charts, drawn by kaleido from the names
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Subtype /Image") == 2
    for active in (b"/URI", b"/Link", b"/JavaScript", b"/Launch"):  # fpdf2 adds no others
        assert active not in pdf, active
    book = load_workbook(io.BytesIO(pack.build_xlsx(view)))
    assert _assert_string_cells(book)
