"""The page registry: every page of the app, its section and the roles that see it.

A new page registers with one line in `REGISTRY`; a line whose file does not exist yet is
skipped, so pages can land one by one. The same registry drives `st.navigation`, the
AppTest smoke tests and the browser tests, so a new page is tested without more work.
Hiding a page from a role is a convenience, not a protection: every page calls
`ui.session.require_person()` and every write is checked in `cxos.permissions`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cxos.models import ROLES, Person

ROOT = Path(__file__).resolve().parent.parent
PAGES_DIR = ROOT / "app_pages"
EVERYONE = ROLES
ADMIN = ("admin",)


@dataclass(frozen=True)
class PageEntry:
    """One page: `file` inside app_pages/, its title, icon, section and who sees it."""

    file: str
    title: str
    icon: str
    section: str
    roles: tuple[str, ...] = EVERYONE

    @property
    def path(self) -> Path:
        return PAGES_DIR / self.file

    @property
    def url_path(self) -> str:
        return Path(self.file).stem

    def exists(self) -> bool:
        return self.path.is_file()


REGISTRY: tuple[PageEntry, ...] = (
    PageEntry("my_work.py", "My work", ":material/checklist:", "Work"),
    PageEntry("inbox.py", "Feedback inbox", ":material/inbox:", "Work"),
    PageEntry("progress.py", "Check-ins & readings", ":material/trending_up:", "Work"),
    PageEntry("home.py", "What's in CXOS", ":material/home:", "Work"),
    PageEntry("overview.py", "Overview", ":material/dashboard:", "Review"),
    PageEntry("journey.py", "Journey", ":material/route:", "Review"),
    PageEntry("team.py", "Team", ":material/groups:", "Review"),
    PageEntry("team_goals.py", "Team goals", ":material/flag:", "Review"),
    PageEntry("meetings.py", "Meetings", ":material/event:", "Review"),
    PageEntry("compare.py", "Compare units", ":material/compare_arrows:", "Champions"),
    PageEntry("notes.py", "Notes board", ":material/sticky_note_2:", "Champions"),
    PageEntry("admin_people.py", "People & accounts", ":material/manage_accounts:", "Admin", ADMIN),
    PageEntry("admin_data.py", "Import & export", ":material/upload_file:", "Admin", ADMIN),
    PageEntry("admin_audit.py", "Audit log", ":material/history:", "Admin", ADMIN),
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

    home = landing(person.role)
    pages = {
        section: [
            st.Page(e.path, title=e.title, icon=e.icon, url_path=e.url_path, default=e == home)
            for e in entries
        ]
        for section, entries in sections(person).items()
    }
    return st.navigation(pages, expanded=True)
