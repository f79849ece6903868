"""Identity that cannot be borrowed (issue 19, section 3).

The operator's identity is not a person id; a disabled account acts nowhere; the audit log
and docs/sign-in.md name the same actor for a write without --as; failed sign-ins are
throttled and recorded; demo sign-in exists only on a database holding nothing but the
generated demo company. Real database files, real command line in a subprocess.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from cxos.bundle.importer import import_rows
from cxos.demo import marker
from cxos.identity import accounts, audit, permissions, sign_in
from cxos.model.errors import PermissionDenied
from cxos.storage import Database, backup
from cxos.work.checkins_readings import record_check_in
from tests.bundles import write_bundle
from tests.sample import bundle, load_sample
from ui import navigation

ROOT = Path(__file__).resolve().parents[1]
APP = str(navigation.ROOT / "app.py")


@pytest.fixture
def sample(db: Database) -> Database:
    return load_sample(db)


def cxos(db: Database, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m cxos ARGS` on `db`'s file, as a person at a terminal would run it."""
    env = {**os.environ, "CXOS_DB": str(db.path)}
    env.pop("CXOS_AUTH", None)
    db.close()  # let go of the file, as the app would for another process
    return subprocess.run(
        [sys.executable, "-m", "cxos", *args],
        capture_output=True,
        text=True,
        env=env,
        input=stdin,
        timeout=300,
        cwd=ROOT,
    )


def _insert_person(db: Database, person_id: str, role: str) -> None:
    # Straight into the table: the importer and the forms refuse ids starting with "@",
    # this is what a file edited by other means could still hold.
    db.write(
        lambda con: con.execute(
            "INSERT INTO people (id, name, email, team_id, role) VALUES (?, ?, ?, ?, ?)",
            [person_id, "Ivy Imposter", "ivy@example.com", "t_billing", role],
        )
    )


# -- 1. the operator is not an id ------------------------------------------------------


def test_a_person_called_operator_gets_no_admin_rights(sample: Database) -> None:
    _insert_person(sample, "@operator", "member")
    with pytest.raises(PermissionDenied, match="Ivy Imposter is a member of Billing"):
        permissions.require(sample, "@operator", "people")
    with pytest.raises(PermissionDenied, match="Ivy Imposter is a member of Billing"):
        accounts.set_password(sample, "@operator", "p_admin", "taken over!")
    assert permissions.can(sample, permissions.OPERATOR, "people")


def test_a_person_called_operator_is_audited_as_themselves(sample: Database) -> None:
    _insert_person(sample, "@operator", "member")
    sample.write(lambda con: audit.record(con, "@operator", "update", "teams", "t1", "name"))
    sample.write(lambda con: audit.record(con, permissions.OPERATOR, "update", "teams", "t1"))
    newest, before = audit.entries(sample, limit=2)
    assert newest.who == "command-line operator" and newest.actor_id is None
    assert before.who == "Ivy Imposter (@operator)"


def test_cli_as_operator_id_is_that_person_not_the_operator(sample: Database) -> None:
    _insert_person(sample, "@operator", "member")
    result = cxos(sample, "user", "add", "p_admin", "--as", "@operator", stdin="taken over!\n")
    assert result.returncode == 1
    assert "Ivy Imposter is a member of Billing" in result.stderr
    assert accounts.authenticate(sample, "p_admin", "taken over!") is None


# -- 4. a disabled account acts nowhere ------------------------------------------------


def _disable(db: Database, person_id: str) -> None:
    accounts.set_password(db, "p_admin", person_id, "a long password")
    accounts.disable_account(db, "p_admin", person_id)


def test_a_disabled_person_is_refused_by_the_python_api(sample: Database) -> None:
    _disable(sample, "p_member")
    version = audit.data_version(sample)
    with pytest.raises(PermissionDenied, match="Mia Member's account is disabled"):
        record_check_in(sample, "p_member", "a_bill", status="in_progress", progress=10)
    assert not permissions.can(sample, "p_member", "check_in", owner_id="p_member")
    assert audit.data_version(sample) == version


def test_a_disabled_person_is_refused_by_the_command_line(sample: Database) -> None:
    _disable(sample, "p_member")
    argv = ("check-in", "a_bill", "--as", "p_member", "--status", "in_progress")
    refused = cxos(sample, *argv, "--progress", "10")
    assert refused.returncode == 1
    assert refused.stderr.startswith("error: Mia Member's account is disabled")
    accounts.set_password(sample, "p_admin", "p_member", "enabled again")
    assert cxos(sample, *argv, "--progress", "10").returncode == 0


def test_a_person_without_an_account_still_acts(sample: Database) -> None:
    # Single sign-on and demo personas have no local account: not having one is not
    # being disabled.
    assert permissions.can(sample, "p_member", "check_in", owner_id="p_member")


# -- 5. the operator, named the same in the docs and the log ---------------------------


def test_a_write_without_as_is_audited_as_the_docs_say(sample: Database) -> None:
    result = cxos(sample, "user", "add", "p_head", stdin="a long password\n")
    assert result.returncode == 0, result.stderr
    log = cxos(sample, "audit", "--entity", "accounts")
    assert "\tcommand-line operator\tcreate\taccounts\tp_head\tpassword\t" in log.stdout
    docs = (ROOT / "docs" / "sign-in.md").read_text()
    assert "audited as `command-line operator`" in " ".join(docs.split())
    assert "@operator" not in docs.replace('"@operator"', "")


def test_an_import_from_the_command_line_is_the_operators(db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "bundle"
    folder.mkdir()
    (folder / "business_units.csv").write_text("id,name\nbu1,Retail\n")
    assert cxos(db, "import", str(folder)).returncode == 0
    assert "\tcommand-line operator\timport\tbusiness_units\t" in cxos(db, "audit").stdout


# -- 3. failed sign-ins are throttled and recorded -------------------------------------

T0 = dt.datetime(2026, 12, 4, 9, 0)


def _try(
    db: Database, password: str, at: dt.datetime, login: str = "p_head", client: str = "10.0.0.7"
) -> sign_in.Outcome:
    return sign_in.attempt(db, login, password, client, now=at)


def test_forty_wrong_passwords_are_throttled_and_recorded(sample: Database) -> None:
    accounts.set_password(sample, "p_admin", "p_head", "s3cret-pass")
    outcomes = [_try(sample, f"guess-{n}", T0 + dt.timedelta(seconds=n)) for n in range(40)]
    assert all(o.person is None for o in outcomes)
    assert [o.message for o in outcomes[:5]] == [sign_in.WRONG] * 5
    waits = {o.retry_after for o in outcomes[5:]}
    assert waits == {T0 + dt.timedelta(seconds=4, minutes=15)}
    assert "Try again after 09:15 UTC (in 15 minutes)" in outcomes[5].message
    log = audit.entries(sample, entity="sign_in")
    assert [e.operation for e in log].count("failed") == 5
    assert [e.operation for e in log].count("throttled") == 1  # once per wait, not 35 times
    assert {e.who for e in log} == {"sign-in page"}
    assert all(e.entity_id == "p_head" and "guess" not in str(e) for e in log)

    during = _try(sample, "s3cret-pass", T0 + dt.timedelta(minutes=10))
    assert during.person is None and during.retry_after is not None
    after = _try(sample, "s3cret-pass", T0 + dt.timedelta(minutes=16))
    assert after.person is not None and after.person.id == "p_head"
    assert audit.entries(sample, entity="sign_in", limit=1)[0].who == "Dana Lee (p_head)"
    assert "s3cret" not in str(audit.entries(sample))


def test_each_run_of_failures_waits_twice_as_long(sample: Database) -> None:
    accounts.set_password(sample, "p_admin", "p_head", "s3cret-pass")
    for n in range(5):
        _try(sample, "wrong", T0 + dt.timedelta(seconds=n))
    later = T0 + dt.timedelta(minutes=20)
    for n in range(5):
        _try(sample, "wrong", later + dt.timedelta(seconds=n))
    refused = _try(sample, "s3cret-pass", later + dt.timedelta(minutes=20))
    assert refused.retry_after == later + dt.timedelta(seconds=4, minutes=30)
    assert _try(sample, "s3cret-pass", later + dt.timedelta(minutes=31)).person is not None
    # A success starts the count again: one wrong password later is just wrong.
    assert _try(sample, "wrong", later + dt.timedelta(minutes=32)).message == sign_in.WRONG


def test_unknown_logins_wait_like_real_accounts(sample: Database) -> None:
    # Otherwise the throttle would tell a guesser which accounts exist.
    for n in range(5):
        _try(sample, "wrong", T0 + dt.timedelta(seconds=n), login="ghost@example.com")
    refused = _try(sample, "wrong", T0 + dt.timedelta(seconds=9), login="ghost@example.com")
    assert "for this account" in refused.message
    assert (
        "ghost"
        not in sample.rows("SELECT string_agg(account, ' ') AS a FROM sign_in_attempts")[0]["a"]
    )


def test_one_client_guessing_many_accounts_waits(sample: Database) -> None:
    accounts.set_password(sample, "p_admin", "p_member", "member-pass-1")
    for n in range(20):
        _try(sample, "wrong", T0 + dt.timedelta(seconds=n), login=f"person{n}@example.com")
    refused = _try(sample, "member-pass-1", T0 + dt.timedelta(minutes=1), login="p_member")
    assert "for your network address" in refused.message and refused.person is None
    other = _try(sample, "member-pass-1", T0 + dt.timedelta(minutes=1), "p_member", "10.9.9.9")
    assert other.person is not None
    again = _try(sample, "member-pass-1", T0 + dt.timedelta(minutes=16), login="p_member")
    assert again.person is not None


def test_the_sign_in_page_throttles_and_says_when(
    sample: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    accounts.set_password(sample, "p_admin", "p_head", "s3cret-pass")
    monkeypatch.setenv("CXOS_AUTH", "password")
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(APP, default_timeout=60).run()
    for _ in range(6):
        at.text_input(key="signin_login").input("head@example.com")
        at.text_input(key="signin_password").input("wrong-pass")
        at.button[0].click().run()
    assert "Too many wrong passwords for this account" in at.error[0].value
    at.text_input(key="signin_password").input("s3cret-pass")
    at.button[0].click().run()
    assert "Try again after" in at.error[0].value
    assert "Dana Lee" not in " ".join(c.value for c in at.sidebar.caption)
    # A quarter of an hour later (the attempts moved back in time, as the clock would):
    sample.write(
        lambda con: con.execute(
            "UPDATE sign_in_attempts SET attempted_at = attempted_at - INTERVAL '16 minutes'"
        )
    )
    at.button[0].click().run()
    assert not at.exception
    assert "Dana Lee" in " ".join(c.value for c in at.sidebar.caption)
    failed = [e for e in audit.entries(sample, entity="sign_in") if e.operation == "failed"]
    assert len(failed) == 5 and all(e.new_value == "local" for e in failed)


# -- 2. demo sign-in only on nothing but the demo company ------------------------------

DEMO_ADMIN = "p-itplat-1"  # the demo company's administrator persona


def _real_company(db: Database, tmp_path: Path) -> Database:
    """A real database as a site makes one: init, import its bundle, a password account."""
    assert cxos(db, "init").returncode == 0
    folder = write_bundle(tmp_path / "ours", bundle())
    imported = cxos(db, "import", str(folder))
    assert imported.returncode == 0, imported.stderr
    assert cxos(db, "user", "add", "p_admin", stdin="our admin pass\n").returncode == 0
    return db


def _open_as(person_id: str, page: str = "admin_people.py") -> AppTest:
    """The app at /PAGE?as=PERSON_ID, as a browser would open it."""
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["as"] = person_id
    at.run()
    if not at.title or at.title[0].value != "Sign in to CXOS":
        at.switch_page(str(navigation.PAGES_DIR / page)).run()
    return at


def _signed_out(at: AppTest) -> bool:
    return [t.value for t in at.title] == ["Sign in to CXOS"] and not at.dataframe


def test_demo_refuses_to_load_over_real_data(db: Database, tmp_path: Path) -> None:
    _real_company(db, tmp_path)
    version = audit.data_version(db)
    refused = cxos(db, "demo")
    assert refused.returncode == 1
    assert "already holds real data (8 people, 1 sign-in account" in refused.stderr
    assert "--add-demo-to-real-data" in refused.stderr and "Traceback" not in refused.stderr
    assert audit.data_version(db) == version
    assert not marker.is_demo_company(db)
    assert _signed_out(_open_as("p_member"))


def test_demo_added_to_real_data_on_purpose_keeps_passwords(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CXOS_AUTH", raising=False)
    _real_company(db, tmp_path)
    added = cxos(db, "demo", "--add-demo-to-real-data")
    assert added.returncode == 0, added.stderr
    assert "demo sign-in stays off" in added.stdout
    assert accounts.find_person(db, DEMO_ADMIN) is not None
    assert not marker.is_demo_company(db)
    assert _signed_out(_open_as(DEMO_ADMIN))
    assert _signed_out(_open_as("p_admin"))


def test_a_newcomer_importing_their_bundle_into_the_demo_loses_demo_sign_in(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CXOS_AUTH", raising=False)
    loaded = cxos(db, "demo")
    assert loaded.returncode == 0, loaded.stderr
    assert marker.is_demo_company(db)
    demo_admin = _open_as(DEMO_ADMIN)
    assert not demo_admin.exception and demo_admin.title[0].value != "Sign in to CXOS"
    assert "generated demo company" in " ".join(w.value for w in demo_admin.warning)

    folder = write_bundle(tmp_path / "ours", bundle())
    assert cxos(db, "import", str(folder)).returncode == 0
    assert not marker.is_demo_company(db)
    assert _signed_out(_open_as("p_admin"))
    assert _signed_out(_open_as(DEMO_ADMIN))
    # ... and `demo` does not bring it back: the data is now theirs.
    assert cxos(db, "demo").returncode == 1


def test_a_password_account_ends_demo_sign_in(db: Database) -> None:
    load_sample(db, demo=True)
    assert marker.is_demo_company(db)
    accounts.set_password(db, "p_admin", "p_head", "a long password")
    assert not marker.is_demo_company(db)
    assert marker.real_data(db) is not None


def test_an_import_from_the_app_ends_demo_sign_in(db: Database) -> None:
    load_sample(db, demo=True)
    import_rows(db, {"business_units": [{"id": "bu_new", "name": "New"}]}, "p_admin")
    assert not marker.is_demo_company(db)


def test_a_dry_run_keeps_the_demo_company(db: Database) -> None:
    load_sample(db, demo=True)
    import_rows(db, {"business_units": [{"id": "bu_new", "name": "New"}]}, dry_run=True)
    assert marker.is_demo_company(db)


def test_demo_sign_in_switched_on_by_name_still_works(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _real_company(db, tmp_path)
    monkeypatch.setenv("CXOS_AUTH", "demo")
    at = _open_as("p_admin")
    assert not at.exception and not _signed_out(at)
    assert "Demo sign-in is switched on (CXOS_AUTH=demo)" in " ".join(w.value for w in at.warning)


def test_an_old_marker_on_real_data_is_removed_on_upgrade(db: Database) -> None:
    # A database from before the rule: real rows imported, then `demo` marked it.
    load_sample(db)
    db.write(lambda con: marker.mark(con, {"admin": "p_admin"}))
    db.write(
        lambda con: con.execute(
            "DELETE FROM schema_migrations WHERE name = '0008_demo_marker_only_on_demo_data'"
        )
    )
    db.close()
    assert not marker.is_demo_company(Database(db.path))


def test_the_sign_in_page_says_how_to_make_the_first_account(db: Database) -> None:
    load_sample(db, demo=True)
    import_rows(db, {"business_units": [{"id": "bu_new", "name": "New"}]}, "p_admin")
    at = _open_as("p_admin")
    assert _signed_out(at)
    assert "python -m cxos user add" in at.info[0].value


def test_restoring_a_backup_of_real_data_ends_demo_sign_in(db: Database, tmp_path: Path) -> None:
    real = load_sample(Database(tmp_path / "real.duckdb"))
    accounts.set_password(real, "p_admin", "p_admin", "our admin pass")
    saved = backup.backup(real, tmp_path / "real-backup.duckdb")
    load_sample(db, demo=True)
    assert marker.is_demo_company(db)
    backup.restore(db, saved)
    assert not marker.is_demo_company(Database(db.path))
