"""facilities sits below catalog: nothing in it imports linli.catalog (catalog hands its rules down through
`facilities.services.TYPE_CHANGE_CHECKS`, and the facility pages and endpoints that show offerings and
standards live in catalog)."""

from __future__ import annotations

import ast
from pathlib import Path

import linli.facilities


def test_facilities_imports_nothing_from_catalog():
    found = []
    for path in Path(linli.facilities.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            found += [f"{path.name}: {name}" for name in names if name.startswith("linli.catalog")]
    assert found == []
