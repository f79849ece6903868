"""`cxos` decides and never imports streamlit: every module imported in a fresh interpreter.
And the other way round: the app's pages and frame leave SQL to `cxos`."""

from __future__ import annotations

import ast
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import cxos
from ui import navigation


def test_no_cxos_module_imports_streamlit() -> None:
    names = [m.name for m in pkgutil.walk_packages(cxos.__path__, "cxos.")]
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'streamlit'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
    assert {
        "cxos.identity.permissions",
        "cxos.work.checkins_readings",
        "cxos.identity.accounts",
        "cxos.bundle.as_person",
    } <= set(names)


# A query in the UI layer: SQL text, or a call that would run some.
_SQL = re.compile(
    r"\b(SELECT|INSERT|UPDATE|DELETE)\s+[\w*]|\.(rows|execute|scalar)\(|\b(db|database\(\))\.(read|write)\("
)


def test_pages_and_ui_write_no_sql() -> None:
    files = [navigation.ROOT / "app.py", *sorted((navigation.ROOT / "ui").glob("*.py"))]
    files += sorted(navigation.PAGES_DIR.glob("*.py"))
    found = [
        f"{path.name}:{number}: {line.strip()}"
        for path in files
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if _SQL.search(line) and not line.lstrip().startswith("#")
    ]
    assert found == []


def _ui_imports(path: Path) -> set[str]:
    """The `ui` modules a file imports anywhere in it (a function's own imports too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module == "ui":
            found.update(f"ui.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("ui."):
            found.add(node.module or "")
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("ui."))
    return found


def test_ui_modules_import_each_other_without_a_circle() -> None:
    graph = {f"ui.{p.stem}": _ui_imports(p) for p in (navigation.ROOT / "ui").glob("*.py")}
    circles = []
    for start in graph:
        seen, todo = set(), list(graph[start])
        while todo:
            name = todo.pop()
            if name == start:
                circles.append(start)
                break
            if name not in seen:
                seen.add(name)
                todo.extend(graph.get(name, ()))
    assert circles == []
