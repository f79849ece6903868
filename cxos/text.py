"""The one text-safety layer: text from people and other systems, made inert per surface.

Names, titles, notes, feedback and every bundle cell are data, never markup. Each surface
that shows such text has one function here, and nothing else in CXOS escapes text by hand:

- `markdown`: Streamlit markdown (captions, labels, `st.markdown`) shows it literally;
- `plotly`: Plotly labels, hover text and titles (its pseudo-HTML stays text);
- `pdf`: the review pack's PDF (no control characters, no bidi controls);
- `pptx`: the review pack's slides (one line, no control or bidi characters, cut to a length);
- `spreadsheet`: an .xlsx cell's value (characters XML cannot hold are replaced);
- `csv_cell` / `csv_uncell`: a CSV text cell, formula-like text neutralised reversibly;
- `terminal`: one line of a terminal table or log, every control character made visible
  (also the plain-text part of an e-mail);
- `html`: an HTML document's text (the e-mail's HTML part): shown literally, never markup;
  `html_href` a link's address there (http and https only).

Every function isolates bidirectional controls (the PDF's and the slides' drop them), so a
stray U+202E in a name cannot reverse CXOS's own words after it. What may enter at all
(lengths, control characters) is decided at the door by the models (`CONTROL_CHARACTERS`,
`find_control`); these functions still cope with anything already stored.
"""

from __future__ import annotations

import html as _html
import re

# Embeddings, overrides and isolates (and the marks, which reorder neutral characters).
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
_FSI, _PDI = "\u2068", "\u2069"
_ISOLATE_OPENERS = "\u2066\u2067\u2068"
_BIDI_RE = re.compile(f"[{BIDI_CONTROLS}]")

# C0 controls but tab, line feed and carriage return; DEL; C1 controls. What the models
# refuse at the door (SQL's regexp syntax accepts the same class).
CONTROL_CHARACTERS = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
_CONTROL_RE = re.compile(CONTROL_CHARACTERS)
_ANY_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f" + BIDI_CONTROLS + "]")

# OWASP's CSV-injection list: a spreadsheet runs a cell starting with one of these.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Characters an XML 1.0 document (and so an .xlsx) cannot hold.
_XML_ILLEGAL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
REPLACEMENT = "\ufffd"

_MARKDOWN_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
ZERO_WIDTH_SPACE = "\u200b"
# GFM turns bare URLs, www. names and e-mail addresses into links *after* escapes are
# resolved, so no backslash stops it; an invisible space inside the trigger does.
_AUTOLINK_TRIGGERS = re.compile(r"(?i)(?<=http)(?=s?:)|(?<=www)(?=\.)|(?=@)")


def find_control(text: str) -> int | None:
    """The position of the first control character the models refuse, or None."""
    found = _CONTROL_RE.search(text)
    return None if found is None else found.start()


def isolate(text: str) -> str:
    """`text` with its bidi controls unable to reorder anything outside it.

    Text holding any bidi control is wrapped in FSI … PDI, which ends every embedding or
    override left open inside it (Unicode's UAX #9); a PDI that would close the wrapper
    early is dropped. Text without bidi controls is returned unchanged.
    """
    if not _BIDI_RE.search(text):
        return text
    kept, depth = [], 0
    for ch in text:
        if ch in _ISOLATE_OPENERS:
            depth += 1
        elif ch == _PDI:
            if depth == 0:
                continue
            depth -= 1
        kept.append(ch)
    return _FSI + "".join(kept) + _PDI * (depth + 1)


def markdown(text: object) -> str:
    """`text` for a markdown renderer: shown verbatim, one line, no links, images or HTML.

    CommonMark lets a backslash escape any ASCII punctuation, which defuses HTML, links,
    images, emphasis, headings, tables, Streamlit's `:color[…]` directives and `$…$` maths;
    URL, www. and e-mail autolinks get a zero-width space inside their trigger. Line breaks
    become spaces: a label or caption is one line. Multi-line text a person wrote is shown
    with `st.text` or in a table cell instead.
    """
    flat = " ".join(_CONTROL_RE.sub(" ", str(text)).split())
    flat = _AUTOLINK_TRIGGERS.sub(ZERO_WIDTH_SPACE, flat)
    escaped = "".join("\\" + ch if ch in _MARKDOWN_PUNCTUATION else ch for ch in flat)
    return isolate(escaped)


def plotly(text: object) -> str:
    """`text` for a Plotly label, title or hover text: its pseudo-HTML stays text.

    Plotly renders `<a href>`, `<b>`, `<br>` and entities in every text property. User text
    must not be put inside a `hovertemplate` (where `%{…}` is interpolated): pass it as
    `text` or `customdata` and refer to it from the template.
    """
    value = _CONTROL_RE.sub(" ", str(text))
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return isolate(value)


def html(text: object) -> str:
    """`text` inside an HTML element or a quoted attribute: shown literally, never markup.

    `<`, `>`, `&` and both quotes become entities, so no tag, attribute or entity of the
    text's own survives; control characters become spaces; URL, www. and e-mail autolinks
    get a zero-width space inside their trigger, so a mail client does not make a link of
    a title.
    """
    value = _CONTROL_RE.sub(" ", str(text))
    value = _AUTOLINK_TRIGGERS.sub(ZERO_WIDTH_SPACE, value)
    return isolate(_html.escape(value, quote=True))


def html_href(url: str) -> str:
    """A link's address for an HTML `href="…"`: http(s) only, quoted so it stays one attribute.

    Anything else (`javascript:`, `data:`) becomes `#`: a link CXOS writes leads to CXOS.
    """
    if not url.lower().startswith(("http://", "https://")):
        return "#"
    return _html.escape(_CONTROL_RE.sub("", _BIDI_RE.sub("", url)), quote=True)


def pdf(text: object) -> str:
    """`text` for the PDF pack: no control characters, no bidi controls (fpdf2 draws them)."""
    return _BIDI_RE.sub("", _CONTROL_RE.sub(REPLACEMENT, str(text)))


def pptx(text: object, limit: int | None = None) -> str:
    """`text` for a PowerPoint slide (a text box, a table cell, a chart's label or its data).

    One line: control characters and line breaks become spaces and runs of white space one
    (python-pptx would otherwise write a control character as a visible `_x001B_` escape
    and a line feed as a new paragraph). Characters XML refuses become U+FFFD. Bidi
    controls are dropped, as in the PDF: slide renderers differ in their support for
    isolates (LibreOffice 7.4 let an isolated U+202E reverse the words after it), and
    right-to-left names still read right to left without them. Text longer than `limit`
    is cut with an ellipsis. A slide has no markup: nothing else needs escaping.
    """
    flat = _BIDI_RE.sub("", _XML_ILLEGAL_RE.sub(REPLACEMENT, _CONTROL_RE.sub(" ", str(text))))
    flat = " ".join(flat.split())
    if limit is not None and len(flat) > limit:
        flat = flat[: max(limit - 1, 0)].rstrip() + "…"
    return flat


def spreadsheet(text: str) -> str:
    """`text` as an .xlsx cell can hold it: characters XML refuses become U+FFFD.

    The cell itself is written as a string with quotePrefix where it looks like a formula
    (see `looks_like_formula`), so its value needs no other change.
    """
    return _XML_ILLEGAL_RE.sub(REPLACEMENT, text)


def looks_like_formula(text: str) -> bool:
    """True when a spreadsheet would run `text` rather than show it."""
    return text.startswith(FORMULA_STARTS)


def csv_cell(text: str) -> str:
    """A CSV text cell that no spreadsheet runs, reversibly (see `csv_uncell`).

    OWASP's advice is a leading apostrophe before formula-like text. To keep export →
    import → export identical, text that already starts with apostrophes before a formula
    start gets one more, and `csv_uncell` takes exactly one away.
    """
    return "'" + text if _quoted_formula(text) else text


def csv_uncell(text: str) -> str:
    """The text `csv_cell` was given."""
    return text[1:] if text.startswith("'") and _quoted_formula(text[1:]) else text


def _quoted_formula(text: str) -> bool:
    return looks_like_formula(text.lstrip("'"))


def terminal(text: object) -> str:
    """`text` as one line of a terminal: every control character shown as an escape.

    Escape sequences cannot recolour or move the cursor, a line break cannot forge another
    audit line, and bidi controls cannot reorder the line: each is printed as `\\xNN` or
    `\\uNNNN` (a newline as `\\n`).
    """
    return _ANY_CONTROL_RE.sub(_visible, str(text))


def _visible(found: re.Match[str]) -> str:
    ch = found.group()
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
    if ch in named:
        return named[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
