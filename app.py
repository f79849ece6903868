"""CXOS, the Streamlit app: the frame around every page.

Page config, the database (created, and on first start filled with the demo company),
sign-in, the shared sidebar filters, and `st.navigation` built for the person's role.
The pages themselves live in `app_pages/` and are listed in `ui/navigation.py`.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from cxos import text
from cxos.demo import company
from cxos.demo.marker import RealDataPresent
from cxos.model.errors import CxosError, DatabaseBusy
from cxos.storage.contents import is_empty
from ui import auth, filters, navigation
from ui.database import database
from ui.run_queue import run_queue

st.set_page_config(page_title="CXOS", page_icon=":material/hub:", layout="wide")


def ensure_data() -> None:
    """On a first start with an empty database, load the demo company."""
    db = database()
    if not is_empty(db):
        return
    with st.spinner("First start: creating the demo company…"):
        try:
            company.load(db, as_of=dt.date.today())
        except (NotImplementedError, RealDataPresent):  # accounts but no organisation yet
            st.info("This database is empty. Import a bundle with `python -m cxos import`.")


def main() -> None:
    ensure_data()
    db = database()
    person = auth.current_person(db)
    if person is None:
        navigation.signed_out(auth.sign_in_page).run()
        return
    auth.account_box(db, person)
    page = navigation.build(person)
    if navigation.shows_filters(page):
        filters.render_sidebar_filters(db)
    page.run()


def run() -> None:
    """Run the app, in turn with other sessions' runs (`ui.run_queue`); a database that
    cannot be used now is a message, never a traceback."""
    try:
        with run_queue().turn():
            main()
    except DatabaseBusy as error:
        st.warning(text.markdown(error), icon=":material/hourglass_top:")
    except CxosError as error:
        st.error(f"CXOS cannot use its database: {text.markdown(error)}", icon=":material/error:")


run()
