"""The page registry: every page of the app, its section and the roles that see it.

A new page registers with one line in `REGISTRY`; a line whose file does not exist yet is
skipped, so pages can land one by one. The same registry drives `st.navigation`, the
AppTest smoke tests and the browser tests, so a new page is tested without more work.
Hiding a page from a role is a convenience, not a protection: every page calls
`ui.session.require_person()` and every write is checked in `cxos.identity.permissions`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cxos.model.entities import ROLES, Person

ROOT = Path(__file__).resolve().parent.parent
PAGES_DIR = ROOT / "app_pages"
EVERYONE = ROLES
ADMIN = ("admin",)
# The opportunity backlog: the committee rates it, champions compare it across units.
BACKLOG_ROLES = ("admin", "steering", "champion")


@dataclass(frozen=True)
class PageEntry:
    """One page: `file` inside app_pages/, its title, icon, section and who sees it."""

    file: str
    title: str
    icon: str
    section: str
    roles: tuple[str, ...] = EVERYONE
    # Whether the sidebar's filters (as of, unit, journey) scope this page; a page they do
    # not change (the glossary, the admin pages) does not show them.
    filtered: bool = True

    @property
    def path(self) -> Path:
        return PAGES_DIR / self.file

    @property
    def url_path(self) -> str:
        return Path(self.file).stem

    def exists(self) -> bool:
        return self.path.is_file()


def _admin(file: str, title: str, icon: str) -> PageEntry:
    """An administrator's page: not scoped by the sidebar's filters."""
    return PageEntry(file, title, icon, "Admin", ADMIN, filtered=False)


REGISTRY: tuple[PageEntry, ...] = (
    PageEntry("my_work.py", "My work", ":material/checklist:", "Work"),
    PageEntry("inbox.py", "Feedback inbox", ":material/inbox:", "Work"),
    PageEntry(
        "progress.py", "Check-ins & readings", ":material/trending_up:", "Work", filtered=False
    ),
    PageEntry("glossary.py", "What the words mean", ":material/menu_book:", "Work", filtered=False),
    PageEntry("overview.py", "Overview", ":material/dashboard:", "Review"),
    PageEntry("journey.py", "Journey", ":material/route:", "Review"),
    PageEntry("team.py", "Team", ":material/groups:", "Review"),
    PageEntry("team_goals.py", "Team goals", ":material/flag:", "Review"),
    PageEntry("meetings.py", "Meetings", ":material/event:", "Review"),
    PageEntry("opportunities.py", "Opportunities", ":material/lightbulb:", "Review", BACKLOG_ROLES),
    PageEntry("compare.py", "Compare units", ":material/compare_arrows:", "Champions"),
    PageEntry("notes.py", "Notes board", ":material/sticky_note_2:", "Champions"),
    _admin("admin_people.py", "People & accounts", ":material/manage_accounts:"),
    _admin("admin_organisation.py", "Organisation & journey", ":material/account_tree:"),
    _admin("admin_reorganise.py", "Reorganise", ":material/move_group:"),
    _admin("admin_data.py", "Import & export", ":material/upload_file:"),
    _admin("admin_audit.py", "Audit log", ":material/history:"),
    _admin("admin_notifications.py", "Notifications sent", ":material/outgoing_mail:"),
    # Row counts per bundle file: what an administrator checks after an import.
    _admin("home.py", "What's in the database", ":material/database:"),
)

# The page a role lands on, first one that exists (SPEC: "my work" is what a head sees first).
_LANDING = {
    "steering": ("overview.py", "home.py"),
    "admin": ("overview.py", "home.py"),
}
_DEFAULT_LANDING = ("my_work.py", "home.py")


def available(role: str | None = None) -> list[PageEntry]:
    """The registered pages whose files exist, for one role (or all roles)."""
    return [e for e in REGISTRY if e.exists() and (role is None or role in e.roles)]


def landing(role: str) -> PageEntry:
    """The page a role sees first."""
    pages = {e.file: e for e in available(role)}
    for name in _LANDING.get(role, _DEFAULT_LANDING):
        if name in pages:
            return pages[name]
    return next(iter(pages.values()))


def sections(person: Person) -> dict[str, list[PageEntry]]:
    """The person's pages grouped by section, in registry order."""
    grouped: dict[str, list[PageEntry]] = {}
    for entry in available(person.role):
        grouped.setdefault(entry.section, []).append(entry)
    return grouped


def build(person: Person):  # noqa: ANN201 - returns st.navigation's StreamlitPage
    """`st.navigation` with the person's pages in sections (imports streamlit lazily)."""
    import streamlit as st

    pages = {
        section: [st.Page(e.path, title=e.title, icon=e.icon, url_path=e.url_path) for e in entries]
        for section, entries in sections(person).items()
    }
    home = landing(person.role).url_path
    landing_page = next(p for ps in pages.values() for p in ps if p.url_path == home)

    # Streamlit serves its default page at "/" only, so a link to the landing page's own
    # address (say /overview) would open it under a "Page not found" dialog. The default
    # page is therefore a hidden step that switches to the landing page, which keeps its
    # address, its place in the sidebar and its links.
    def start() -> None:
        st.switch_page(landing_page, query_params=st.query_params.to_dict())

    first = next(iter(pages.values()))
    first.insert(0, st.Page(start, title=landing_page.title, default=True, visibility="hidden"))
    # Another role's pages keep their addresses, hidden: opened by a link or a typed URL,
    # the page's own guard says which role it needs, instead of Streamlit's "Page not
    # found" dialog over the landing page (docs/decisions.md).
    first.extend(
        st.Page(e.path, title=e.title, icon=e.icon, url_path=e.url_path, visibility="hidden")
        for e in elsewhere(person)
    )
    return st.navigation(pages, expanded=True)


def shows_filters(page: Any) -> bool:
    """Whether the page `st.navigation` chose is scoped by the sidebar's filters."""
    entry = next((e for e in REGISTRY if e.url_path == page.url_path), None)
    return entry is None or entry.filtered


def glossary_link() -> None:
    """A link to the glossary, beside terms a newcomer meets (components, quadrants, signals).

    A plain link to the page's address: it works wherever the page is drawn, also when a
    test or a bare run draws a page without the app's navigation.
    """
    import streamlit as st

    st.markdown(GLOSSARY_LINK)


_GLOSSARY = next(e for e in REGISTRY if e.file == "glossary.py")
# CXOS's own markdown (the one link its pages write), known to the hostile-text tests.
GLOSSARY_LINK = f":material/menu_book: [{_GLOSSARY.title}]({_GLOSSARY.url_path})"


def elsewhere(person: Person) -> list[PageEntry]:
    """The pages that exist but are for other roles than the person's."""
    mine = set(available(person.role))
    return [e for e in available() if e not in mine]


def signed_out(sign_in_page):  # noqa: ANN001, ANN201 - a callable page; st.navigation's page
    """`st.navigation` before sign-in: the sign-in page, at "/" and at every page's address.

    A link to a page opened before signing in shows the sign-in page, without Streamlit's
    "Page not found" dialog, and after sign-in the same address shows the page itself.
    """
    import streamlit as st

    pages = [st.Page(sign_in_page, title="Sign in", default=True)]
    pages += [
        st.Page(sign_in_page, title="Sign in", url_path=e.url_path, visibility="hidden")
        for e in available()
    ]
    return st.navigation(pages, position="hidden")
