"""Local accounts (argon2id) and the people commands: user, check-in, reading, audit."""

from __future__ import annotations

import io

import pytest

from cxos.cli import main
from cxos.identity import accounts, audit
from cxos.model.errors import InvalidInput, NotFound, PermissionDenied
from cxos.storage import Database
from tests.sample import load_sample


@pytest.fixture
def sample(db: Database) -> Database:
    return load_sample(db)


def test_password_accounts(sample: Database) -> None:
    accounts.set_password(sample, "p_admin", "p_head", "correct horse")
    stored = sample.scalar("SELECT password_hash FROM accounts WHERE person_id = 'p_head'")
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    assert accounts.authenticate(sample, "HEAD@example.com ", "correct horse").id == "p_head"
    assert accounts.authenticate(sample, "p_head", "correct horse").id == "p_head"
    assert accounts.authenticate(sample, "p_head", "wrong horse!") is None
    assert accounts.authenticate(sample, "ghost@example.com", "correct horse") is None
    assert accounts.authenticate(sample, "p_member", "correct horse") is None  # no account
    accounts.disable_account(sample, "p_admin", "p_head")
    assert accounts.authenticate(sample, "p_head", "correct horse") is None
    accounts.set_password(sample, "p_admin", "p_head", "battery staple")
    assert accounts.authenticate(sample, "p_head", "battery staple").id == "p_head"
    fields = [e.field for e in audit.entries(sample, entity="accounts")]
    assert "password" in fields and "disabled" in fields
    assert not any("staple" in (e.new_value or "") for e in audit.entries(sample))


def test_account_rules(sample: Database) -> None:
    with pytest.raises(PermissionDenied, match="Dana Lee is head of Billing"):
        accounts.set_password(sample, "p_head", "p_head", "long enough")
    with pytest.raises(InvalidInput, match="at least 8"):
        accounts.set_password(sample, "p_admin", "p_head", "short")
    with pytest.raises(NotFound):
        accounts.set_password(sample, "p_admin", "p_ghost", "long enough")
    with pytest.raises(NotFound, match="no local account"):
        accounts.disable_account(sample, "p_admin", "p_member")


def _run(*argv: str) -> int:
    return main(list(argv))


def test_cli_user_commands(
    sample: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a long password\n"))
    assert _run("user", "add", "head@example.com", "--password-stdin") == 0
    assert accounts.authenticate(sample, "p_head", "a long password")
    assert _run("user", "disable", "p_head") == 0
    assert accounts.authenticate(sample, "p_head", "a long password") is None
    monkeypatch.setattr("sys.stdin", io.StringIO("another password\n"))
    assert _run("user", "passwd", "p_member", "--as", "p_head2", "--password-stdin") == 1
    assert "may not change sign-in accounts" in capsys.readouterr().err


def test_cli_check_in_and_reading(sample: Database, capsys: pytest.CaptureFixture) -> None:
    assert (
        _run(
            "check-in",
            "a_bill",
            "--as",
            "p_head",
            "--status",
            "in_progress",
            "--progress",
            "40",
            "--confidence",
            "4",
            "--on",
            "2026-06-01",
        )
        == 0
    )
    assert "check-in recorded on a_bill" in capsys.readouterr().out
    assert _run("reading", "m_bill", "61.5", "--as", "p_head", "--on", "2026-06-01") == 0
    assert "replaced 60" in capsys.readouterr().out
    assert _run("audit", "--entity", "metric_readings") == 0
    out = capsys.readouterr().out
    assert "\tDana Lee (p_head)\t" in out  # who, in words
    assert "m_bill@2026-06-01\tvalue\t60\t61.5" in out


@pytest.mark.parametrize(
    ("argv", "reason"),
    [
        (
            ("check-in", "a_store", "--as", "p_head", "--status", "done"),
            "error: Dana Lee is head of Billing and may not change check-ins of Retail Stores",
        ),
        (
            ("reading", "m_store", "5", "--as", "p_head"),
            "error: Dana Lee is head of Billing and may not change metric readings of Retail",
        ),
        (
            ("check-in", "a_bill", "--as", "p_member", "--status", "blocked"),
            "error: a blocked action needs a note: why, and what help is needed",
        ),
        (("reading", "m_bill", "x", "--as", "p_head"), "error: a reading must be a number"),
    ],
)
def test_cli_refusals_change_nothing(
    sample: Database, capsys: pytest.CaptureFixture, argv: tuple[str, ...], reason: str
) -> None:
    version = audit.data_version(sample)
    assert _run(*argv) != 0
    err = capsys.readouterr().err
    assert err.startswith(reason) and err.count("\n") == 1
    assert audit.data_version(sample) == version
