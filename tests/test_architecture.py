"""The rules of the house that a change can break without any other test noticing: no
import cycle, one writer per table, a light path for the commands that need little, and
help text for every command."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from mailer.cli import cli
from mailer.store import MIGRATIONS

PACKAGE = Path(__file__).resolve().parents[1] / "mailer"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, known: set[str]) -> set[str]:
    """Every mailer module `path` imports, at the top or inside a function; not the ones
    only a type checker sees (`if TYPE_CHECKING:`)."""
    tree = ast.parse(path.read_text("utf-8"))
    skipped = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for statement in block.body
        for node in ast.walk(statement)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("mailer"))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("mailer"):
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if submodule in known else node.module)  # type: ignore[arg-type]
    return found - {module_name(path)}


def import_graph() -> dict[str, set[str]]:
    files = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    return {name: imports_of(path, set(files)) for name, path in files.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, str] = {}
    trail: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        trail.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return [*trail[trail.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        state[node] = "done"
        trail.pop()
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_no_import_cycle_in_mailer_even_inside_functions() -> None:
    graph = import_graph()
    assert "mailer.outbound.outbox" in graph["mailer.inbound.record"]  # the graph sees edges
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_core_knows_nothing_of_click() -> None:
    graph = import_graph()
    for name, path in {module_name(p): p for p in PACKAGE.rglob("*.py")}.items():
        if name == "mailer.cli" or name.startswith("mailer.commands"):
            continue
        assert "import click" not in path.read_text("utf-8"), name
        assert not {m for m in graph[name] if m.startswith("mailer.commands")}, name


@pytest.mark.parametrize(
    ("table", "owner"),
    [
        ("outbox", "outbound/outbox.py"),
        ("inbound", "inbound/table.py"),
        ("newsletters", "outbound/newsletters.py"),
        ("rsvps", "rsvps.py"),
        ("plan_changes", "planstore.py"),
        ("quiet_versions", "store.py"),
        ("organizers", "accounts.py"),
        ("runs", "runs.py"),
        ("admin_log", "audit.py"),
    ],
)
def test_one_module_writes_each_table(table: str, owner: str) -> None:
    writes = re.compile(
        rf"\b(INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+{table}\b", re.IGNORECASE
    )
    in_migrations = len(writes.findall("\n".join(MIGRATIONS)))
    for path in PACKAGE.rglob("*.py"):
        found = len(writes.findall(path.read_text("utf-8")))
        relative = path.relative_to(PACKAGE).as_posix()
        if relative == owner:
            assert found > 0
        elif relative == "store.py":
            assert found == in_migrations, "store.py writes the table outside its migrations"
        else:
            assert found == 0, f"{relative} writes the {table} table; call {owner}"


def test_adding_a_subscriber_loads_neither_jinja2_nor_babel(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from mailer.cli import cli\n"
        f"cli(['--db', {str(tmp_path / 's.db')!r}, 'subscribers', 'add', 'anna@example.org'],"
        " standalone_mode=False)\n"
        "print(sorted(m for m in ('jinja2', 'babel', 'premailer', 'lxml') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, check=True
    )
    assert result.stdout.splitlines()[-1] == "[]", result.stdout


def all_commands(group: click.Group, prefix: str = "mailer") -> dict[str, click.Command]:
    found: dict[str, click.Command] = {}
    for name, command in group.commands.items():
        found[f"{prefix} {name}"] = command
        if isinstance(command, click.Group):
            found.update(all_commands(command, f"{prefix} {name}"))
    return found


def test_every_command_has_help_text() -> None:
    commands = all_commands(cli)
    assert len(commands) > 15
    for name, command in commands.items():
        assert (command.help or "").strip(), f"{name} has no help text"


def test_a_members_status_changes_only_through_the_one_rule() -> None:
    """mailer.consent.decide is the one rule for every change of status (issue 23): no
    module but store.py writes the subscribers table, and each function of store.py
    that writes a status asks the rule."""
    writes = re.compile(
        r"\b(INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+subscribers\b"
        r"|\[\"subscribers\"\]\.(insert|update|upsert|delete)",
        re.IGNORECASE,
    )
    for path in PACKAGE.rglob("*.py"):
        if path.name != "store.py" or path.parent != PACKAGE:
            assert not writes.search(path.read_text("utf-8")), path
    source = (PACKAGE / "store.py").read_text("utf-8")
    status_write = re.compile(r"[\"']status[\"']\s*:|\bstatus\s*=\s*[A-Z]|SET\s+status\b")
    checked = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef) and node.name != "_log":
            body = ast.get_source_segment(source, node) or ""
            if status_write.search(body):
                checked.append(node.name)
                assert "decide(" in body, f"Store.{node.name} sets a status without the rule"
    assert {"change", "add_many", "count_bounce", "score_bounce_report"} <= set(checked)
