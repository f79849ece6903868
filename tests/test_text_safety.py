"""The text-safety layer: each surface shows what a person typed, never what it would do."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from cxos import text

RLO, FSI, PDI = "\u202e", "\u2068", "\u2069"


def test_markdown_defuses_images_links_html_and_directives():
    shown = text.markdown("![pwn](http://host/x.png) [Verify](http://x) <b>hi</b> **b** $x$")
    assert "](" not in shown.replace("\\](", "")
    assert "\\!\\[pwn\\]\\(http" in shown
    assert "\\<b\\>" in shown
    assert "\\*\\*b\\*\\*" in shown
    assert "\\$x\\$" in shown


def test_markdown_is_one_line_and_breaks_autolinks():
    shown = text.markdown("# Heading\n| a | b |\nwww.evil.com mail@x.org https://x")
    assert "\n" not in shown
    assert "www\u200b\\." in shown
    assert "http\u200bs\\:" in shown
    assert "\u200b\\@" in shown


def test_unterminated_override_is_isolated():
    name = f"Dana {RLO}Lee"
    shown = text.markdown(name)
    assert shown.startswith(FSI) and shown.endswith(PDI)
    # Own words after the name are outside the isolate.
    assert (shown + " overdue since 2026-11-10").endswith(PDI + " overdue since 2026-11-10")


def test_isolate_drops_a_pdi_that_would_close_the_wrapper_early():
    assert text.isolate(f"a{PDI}b{RLO}") == f"{FSI}ab{RLO}{PDI}"
    assert text.isolate("plain") == "plain"
    assert text.isolate("\u2067x") == f"{FSI}\u2067x{PDI}{PDI}"


def test_plotly_keeps_pseudo_html_as_text():
    assert text.plotly('<a href="http://x">T&C</a>') == '&lt;a href="http://x"&gt;T&amp;C&lt;/a&gt;'


def test_terminal_shows_escapes_and_breaks_as_visible_text():
    shown = text.terminal("note\x07\x1b[31m red\n2026-01-01 admin forged\u202e")
    assert "\x1b" not in shown and "\n" not in shown and RLO not in shown
    assert shown == "note\\x07\\x1b[31m red\\n2026-01-01 admin forged\\u202e"


def test_spreadsheet_replaces_what_xml_cannot_hold():
    assert text.spreadsheet("a\x07b\x1bc\td") == "a\ufffdb\ufffdc\td"


def test_pdf_drops_controls():
    assert text.pdf(f"x\x07y{RLO}z\nw") == "x\ufffdyz\nw"


def test_find_control_names_the_position():
    assert text.find_control("ok\ttab\nline") is None
    assert text.find_control("bell\x07") == 4
    assert text.find_control("c1\x85") == 2


def test_csv_cell_neutralises_formulas():
    for formula in ('=HYPERLINK("http://x")', "=cmd|' /C calc'!A0", "+1+1", "@SUM(1+1)", "-2"):
        assert text.csv_cell(formula) == "'" + formula
    assert text.csv_cell("Plain title") == "Plain title"
    assert text.csv_cell("'quoted") == "'quoted"


@given(st.text())
def test_csv_cell_round_trips(value):
    assert text.csv_uncell(text.csv_cell(value)) == value
    assert not text.looks_like_formula(text.csv_cell(value))


@given(st.text())
def test_markdown_never_leaves_a_link_or_tag(value):
    shown = text.markdown(value)
    assert not re.search(r"(?<!\\)[\[\]<>]", shown)
    assert "\n" not in shown


def test_html_keeps_tags_entities_and_quotes_as_text():
    shown = text.html("<a href=\"x\">T&amp;C</a> 'q' mail@x.org https://x\x07")
    assert shown == (
        "&lt;a href=&quot;x&quot;&gt;T&amp;amp;C&lt;/a&gt; &#x27;q&#x27; "
        "mail\u200b@x.org http\u200bs://x "
    )
    assert text.html(f"a{RLO}b") == f"{FSI}a{RLO}b{PDI}"


@given(st.text())
def test_html_never_leaves_a_tag_or_an_attribute_break(value):
    shown = text.html(value)
    assert not re.search(r"[<>\"']", shown)


def test_html_href_allows_only_web_links():
    assert text.html_href('https://cxos.example/team?team=a&b="x"') == (
        "https://cxos.example/team?team=a&amp;b=&quot;x&quot;"
    )
    assert text.html_href("javascript:alert(1)") == "#"
    assert text.html_href("data:text/html,x") == "#"
