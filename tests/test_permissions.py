"""Who may write what (SPEC.md): every role × write kind × own / other / owned scope."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cxos.identity import permissions
from cxos.model.errors import PermissionDenied
from cxos.storage import Connection, Database
from tests.sample import PERSONAS, load_sample

pytestmark = pytest.mark.both_stores

# The SPEC table, written out independently of cxos.identity.permissions._RULES.
# Each kind maps to the scopes in which the role may write it.
ANY = {"own", "other", "owned"}
SPEC: dict[str, dict[str, set[str]]] = {
    "admin": {kind: ANY for kind in permissions.WRITE_KINDS},
    "steering": {
        "meeting": ANY,
        "decision": ANY,
        "action": ANY,
        "note": ANY,
        "check_in": {"owned"},
    },
    "head": {
        **{k: {"own"} for k in ("goal", "metric", "reading", "action", "pulse", "feedback")},
        "check_in": {"own", "owned"},
    },
    "champion": {"note": {"own"}, "check_in": {"owned"}},
    "member": {"check_in": {"owned"}},
}
TEAM = {
    "admin": "t_service",
    "steering": "t_stores",
    "head": "t_billing",
    "champion": "t_billing",
    "member": "t_billing",
}
UNIT = {"t_service": "bu_biz", "t_stores": "bu_retail", "t_billing": "bu_retail"}
OTHER_TEAM = {"t_service": "t_billing", "t_stores": "t_service", "t_billing": "t_service"}


def _target(role: str, scope: str) -> dict[str, str | None]:
    own = TEAM[role]
    team = own if scope == "own" else OTHER_TEAM[own]
    owner = PERSONAS[role] if scope == "owned" else "p_nobody"
    return {"team_id": team, "business_unit_id": UNIT[team], "owner_id": owner}


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Database:
    return load_sample(Database(tmp_path_factory.mktemp("perm") / "cxos.duckdb"))


@pytest.fixture(scope="module")
def con(sample_db: Database) -> Iterator[Connection]:
    """One connection for the whole rule table: the check also runs on a connection."""
    with sample_db.connect() as connection:
        yield connection


CASES = [
    (role, kind, scope)
    for role in SPEC
    for kind in permissions.WRITE_KINDS
    for scope in ("own", "other", "owned")
]


@pytest.mark.parametrize(("role", "kind", "scope"), CASES)
def test_rule(con: Connection, role: str, kind: str, scope: str) -> None:
    expected = scope in SPEC[role].get(kind, set())
    target = _target(role, scope)
    actor = PERSONAS[role]
    assert permissions.can(con, actor, kind, **target) is expected
    if expected:
        assert permissions.require(con, actor, kind, **target).id == actor
    else:
        with pytest.raises(PermissionDenied):
            permissions.require(con, actor, kind, **target)


def test_reason_names_person_role_and_team(sample_db: Database) -> None:
    with pytest.raises(PermissionDenied) as refused:
        permissions.require(sample_db, "p_head", "action", team_id="t_stores")
    assert str(refused.value) == (
        "Dana Lee is head of Billing and may not change actions of Retail Stores"
    )


@pytest.mark.parametrize(
    ("actor", "kind", "where", "reason"),
    [
        (
            "p_member",
            "check_in",
            {"team_id": "t_billing", "owner_id": "p_champ"},
            "Mia Member is a member of Billing and may only check in on actions they own",
        ),
        (
            "p_champ",
            "note",
            {"business_unit_id": "bu_biz"},
            "Chris Champ is CX champion for Retail and may not change notes of Business",
        ),
        (
            "p_steer",
            "people",
            {},
            "Sam Steer is on the steering committee and may not change people",
        ),
    ],
)
def test_reasons(sample_db: Database, actor: str, kind: str, where: dict, reason: str) -> None:
    with pytest.raises(PermissionDenied, match=f"^{reason}$"):
        permissions.require(sample_db, actor, kind, **where)


@pytest.mark.parametrize("actor", [None, "", "p_ghost"])
def test_unknown_or_missing_actor_is_refused(sample_db: Database, actor: str | None) -> None:
    assert not permissions.can(sample_db, actor, "note", business_unit_id="bu_retail")


def test_unknown_kind_is_a_programming_error(sample_db: Database) -> None:
    with pytest.raises(ValueError, match="unknown write kind"):
        permissions.require(sample_db, "p_admin", "everything")


def test_works_inside_a_transaction(sample_db: Database) -> None:
    person = sample_db.write(
        lambda con: permissions.require(con, "p_head", "goal", team_id="t_billing")
    )
    assert person.name == "Dana Lee"


def test_operator_is_an_administrator(sample_db: Database) -> None:
    assert permissions.can(sample_db, permissions.OPERATOR, "restore")
