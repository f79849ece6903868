"""What the commands share: the database they open, dates, `--as`, `--as-of` and `--format`.

Kept free of heavy imports (see `cxos.cli`): the storage layer is imported when a command
opens the database, not when the parser is built.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from cxos.cli.output import FORMATS

if TYPE_CHECKING:
    from cxos.identity.permissions import Who
    from cxos.storage import Database


def open_db(args: argparse.Namespace) -> Database:
    """The database named by --db, $CXOS_DB or the default, created or upgraded."""
    from cxos.storage import Database

    return Database(args.db)


def date(text: str) -> dt.date:
    """A command-line date, YYYY-MM-DD."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from error


def add_actor(parser: argparse.ArgumentParser) -> None:
    """`--as PERSON_ID`: who acts; the write is checked and audited as theirs."""
    parser.add_argument("--as", dest="actor", required=True, metavar="PERSON_ID")


def add_admin(parser: argparse.ArgumentParser) -> None:
    """`--as PERSON_ID`, optional: the administrator acting (see `actor_or_operator`)."""
    parser.add_argument("--as", dest="actor", metavar="PERSON_ID", help="act as this admin")


def actor_or_operator(args: argparse.Namespace) -> Who:
    """The person named by `--as`, else the operator at the database file."""
    from cxos.identity import permissions

    return args.actor or permissions.OPERATOR


def add_as_of(parser: argparse.ArgumentParser, note: str = "date (default today)") -> None:
    """`--as-of DATE` (`note` is its help); `as_of_date` reads it."""
    parser.add_argument("--as-of", type=date, default=None, help=note)


def as_of_date(args: argparse.Namespace) -> dt.date:
    """The date `--as-of` gave, else today."""
    given: dt.date | None = args.as_of
    return given or dt.date.today()


def add_format(parser: argparse.ArgumentParser, note: str | None = None) -> None:
    """`--format table|csv|json` for a command that lists rows (`note` is its help)."""
    parser.add_argument("--format", choices=FORMATS, default="table", help=note)


class LazyChoices:
    """An argument's choices, looked up only when argparse checks or shows them.

    Give the argument a `metavar` too: argparse otherwise lists the choices while the
    parser is built, which would import the module that defines them.
    """

    def __init__(self, load: Callable[[], Iterable[str]]):
        self._load = load

    def __contains__(self, value: object) -> bool:
        return value in tuple(self._load())

    def __iter__(self) -> Iterator[str]:
        return iter(tuple(self._load()))


def action_statuses() -> tuple[str, ...]:
    from cxos.model.entities import ACTION_STATUSES

    return ACTION_STATUSES
