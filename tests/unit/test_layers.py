"""Layering (DESIGN.md): views and the command line build no queries; schemas, permissions, the matching
engine and the models never reach into the services."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

KB = Path(__file__).resolve().parents[2] / "kb"


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside functions."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize("package", ["matching", "models", "data", "schemas", "workflow"])
def test_package_imports_no_services(package):
    offenders = {str(p.relative_to(KB)): sorted(m for m in _imports(p) if m == "kb.services" or
                                                  m.startswith("kb.services."))
                 for p in (KB / package).rglob("*.py")}
    assert not {p: m for p, m in offenders.items() if m}


def test_the_metrics_need_no_application():
    imported = _imports(KB / "matching" / "evaluation.py")
    assert not {m for m in imported if m.split(".")[0] in {"flask", "sqlalchemy", "flask_migrate"}
                or m in {"kb", "kb.create_app", "kb.extensions"}}


def test_permissions_import_no_services():
    assert not {m for m in _imports(KB / "permissions.py") if m.startswith("kb.services")}


QUERY = ("db.session", "select(", ".where(", ".filter(", ".filter_by(", "session.execute", "session.scalar")


def _view_files() -> list[Path]:
    return [*(KB / "web").rglob("*.py"), *(KB / "api").rglob("*.py"), KB / "cli.py"]


def test_views_and_the_command_line_build_no_queries():
    """Views parse, call one service and shape the output; queries live in kb/services."""
    offenders = [f"{p.relative_to(KB)}:{n}: {line.strip()}" for p in _view_files()
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                 if any(q in line for q in QUERY) and not line.lstrip().startswith("#")]
    assert not offenders, "\n".join(offenders)


def test_the_query_check_sees_a_query(tmp_path):
    line = "    stmt = select(Offer).where(Offer.id == 1)"
    assert any(q in line for q in QUERY)
