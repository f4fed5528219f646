"""The layout is a map of the architecture: layers import downwards, no import circles, small
modules, sources that only yield records. Read from the source with ast, so imports inside
functions count too (only `if TYPE_CHECKING:` blocks are left out: they never run)."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.builders import process_env

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "triage"
MAX_MODULE_LINES = 500

# Lowest first. A module may import its own layer or lower ones.
LAYERS: tuple[tuple[str, ...], ...] = (
    # 0 foundation: settings, the category list, the record type, database plumbing
    ("triage.settings", "triage.taxonomy", "triage.records", "triage.storable", "triage.transactions",
     "triage.retry", "triage.db", "triage.logs", "triage.migrate", "triage.operator_errors", "triage.i18n"),
    # 1 store
    ("triage.models", "triage.history", "triage.search", "triage.schema", "triage.leases"),
    # 2 classifier
    ("triage.classifier",),
    # 3 services
    ("triage.claims", "triage.tickets", "triage.queue", "triage.replies", "triage.users", "triage.logins", "triage.stats",
     "triage.priority", "triage.due", "triage.revisions", "triage.quarantine", "triage.metrics", "triage.groups",
     "triage.surges", "triage.outbox", "triage.outbox_sender", "triage.outbox_recovery", "triage.group_send", "triage.people",
     "triage.quoting", "triage.timeline", "triage.drafts", "triage.submissions", "triage.saved_views",
     "triage.attachments", "triage.erasure", "triage.privacy", "triage.retention", "triage.audit_log",
     "triage.model_versions", "triage.drift"),
    # 4 pipeline
    ("triage.pipeline", "triage.retraining"),
    # 5 ingest: the sources and the runner that drives them through the pipeline
    ("triage.ingest",),
    # 6 operations
    ("triage.jobs", "triage.schedule", "triage.scheduler", "triage.health", "triage.evaluation"),
    # 7 interfaces
    ("triage.web", "triage.cli", "triage"),
)
# At most one import may run upwards, and each one is named here with its reason.
UPWARD_ALLOWED: dict[tuple[str, str], str] = {}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _layer(module: str) -> int:
    best, layer = -1, None
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, layer = len(prefix), index
    assert layer is not None, f"{module} is in no layer: place it in LAYERS"
    return layer


def _known(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _runtime_nodes(tree: ast.AST):
    """Every node except those under `if TYPE_CHECKING:`."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            stack.extend(node.orelse)
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def _imports(module: str) -> set[str]:
    path = MODULES[module]
    found: set[str] = set()
    for node in _runtime_nodes(ast.parse(path.read_text())):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
                package = package[: len(package) - (node.level - 1)]
                base = ".".join(package + ([base] if base else []))
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
        for name in names:
            target = _known(name) if name.startswith("triage") else None
            if target and target != module:
                found.add(target)
    return found


GRAPH = {module: _imports(module) for module in MODULES}


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in GRAPH:
        if module not in index:
            visit(module)
    return found


def test_every_module_has_a_layer():
    for module in MODULES:
        _layer(module)


def test_no_import_circle():
    assert _cycles() == []


def _upward() -> set[tuple[str, str]]:
    return {
        (module, target)
        for module, targets in GRAPH.items()
        for target in targets
        if _layer(target) > _layer(module) and not target.startswith(module + ".")
    }


def test_layers_import_downwards():
    assert _upward() == set(UPWARD_ALLOWED), "imports from a lower layer up"
    assert len(UPWARD_ALLOWED) <= 1


def test_no_module_over_the_size_limit():
    sizes = {m: len(p.read_text().splitlines()) for m, p in MODULES.items()}
    assert {m: n for m, n in sizes.items() if n > MAX_MODULE_LINES} == {}


def test_sources_only_yield_records():
    """Only the runner drives the pipeline and the classifier; a source reads and yields."""
    driven = ("triage.pipeline", "triage.classifier", "triage.ingest.runner")
    offenders = {
        module: sorted(t for t in GRAPH[module] if t.startswith(driven))
        for module in MODULES
        if module.startswith("triage.ingest") and module != "triage.ingest.runner"
    }
    assert {m: t for m, t in offenders.items() if t} == {}


def test_the_web_app_loads_no_ingester_and_no_scikit_learn(tmp_path):
    """The web process (gunicorn workers) never imports the sources or scikit-learn."""
    script = (
        "import sys\n"
        "from triage import create_app\n"
        "app = create_app()\n"
        "client = app.test_client()\n"
        "client.get('/healthz')\n"
        "print(sorted(m for m in sys.modules if m.startswith(('triage.ingest', 'sklearn', 'triage.pipeline'))))\n"
    )
    env = process_env(f"sqlite:///{tmp_path / 'arch.db'}", tmp_path)
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("planted", ["cycle", "upward"])
def test_the_checks_see_a_planted_edge(planted):
    """The graph reader itself: a planted edge is found (so an empty result means something)."""
    saved = {m: set(t) for m, t in GRAPH.items()}
    try:
        if planted == "cycle":
            GRAPH["triage.taxonomy"].add("triage.settings")
            GRAPH["triage.settings"].add("triage.taxonomy")
            assert ["triage.settings", "triage.taxonomy"] in _cycles()
        else:
            GRAPH["triage.models"].add("triage.web.agent")
            assert ("triage.models", "triage.web.agent") in _upward()
    finally:
        GRAPH.clear()
        GRAPH.update(saved)
