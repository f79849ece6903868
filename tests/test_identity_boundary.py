"""Identity that cannot be borrowed (issue 19, section 3).

The operator's identity is not a person id; a disabled account acts nowhere; the audit log
and docs/sign-in.md name the same actor for a write without --as; failed sign-ins are
throttled and recorded; demo sign-in exists only on a database holding nothing but the
generated demo company. Real database files, real command line in a subprocess.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cxos import audit, identity, permissions
from cxos.errors import PermissionDenied
from cxos.progress import record_check_in
from cxos.storage import Database
from tests.sample import load_sample

ROOT = Path(__file__).resolve().parents[1]


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
        identity.set_password(sample, "@operator", "p_admin", "taken over!")
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
    assert identity.authenticate(sample, "p_admin", "taken over!") is None


# -- 4. a disabled account acts nowhere ------------------------------------------------


def _disable(db: Database, person_id: str) -> None:
    identity.set_password(db, "p_admin", person_id, "a long password")
    identity.disable_account(db, "p_admin", person_id)


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
    identity.set_password(sample, "p_admin", "p_member", "enabled again")
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
