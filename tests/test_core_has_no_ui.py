"""`cxos` decides and never imports streamlit: every module imported in a fresh interpreter."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import cxos


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
    assert {"cxos.permissions", "cxos.progress", "cxos.identity", "cxos.transfer"} <= set(names)
