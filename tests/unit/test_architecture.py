"""The layout docs/ARCHITECTURE.md promises, checked on the source: layers, no import cycles, small folders."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

from tests.shared import SRC

PACKAGE = SRC / "assistant"
#: docs/ARCHITECTURE.md's folder table, lowest layer first (subfolders of a folder count as it,
#: except library/storage, which sits below the library).
LAYERS = ["data", "support", "domain", "intake", "ledger", "library.storage", "library", "llm", "review", "writing",
          "drafts", "export", "companion"]  # fmt: skip
ADAPTERS = ("ui", "cli")
MAX_MODULES = 15


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports() -> dict[str, set[str]]:
    """Every module each module imports, at any depth of its code (functions, TYPE_CHECKING blocks)."""
    edges: dict[str, set[str]] = defaultdict(set)
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                # `from pkg import module` imports that module; `from module import name` the module.
                targets = [f"{node.module}.{a.name}" for a in node.names] + [node.module]
            for target in targets:
                while target and target not in MODULES:
                    target = target.rpartition(".")[0]
                if target and target != name and target != "assistant":
                    edges[name].add(target)
    return edges


IMPORTS = _imports()


def _folder(module: str) -> str:
    """The package a module is in (a package's __init__ is in the package itself)."""
    return module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]


def _layer(module: str) -> str:
    """The folder-table row of a module: 'library.storage', 'writing' (for writing.offline too), 'ui' …"""
    parts = module.split(".")[1:]
    if not parts:
        return "assistant"
    if parts[:2] == ["library", "storage"]:
        return "library.storage"
    return parts[0] if len(parts) > 1 or (PACKAGE / parts[0]).is_dir() else "assistant"


def test_no_import_cycle_between_modules():
    # Tarjan's strongly connected components: any component of two or more modules is a cycle.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in IMPORTS.get(v, ()):
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
                cycles.append(sorted(component))

    for module in MODULES:
        if module not in index:
            visit(module)
    assert not cycles, cycles


def test_each_layer_imports_only_layers_below_it():
    upward = []
    for module, targets in IMPORTS.items():
        here = _layer(module)
        if here in ADAPTERS or here == "assistant":
            continue
        for target in targets:
            there = _layer(target)
            if _folder(target) == _folder(module) or _folder(target).startswith(_folder(module) + "."):
                continue  # a folder's own modules, and its subfolders (writing → writing.offline)
            if there in ADAPTERS or LAYERS.index(there) >= LAYERS.index(here):
                upward.append(f"{module} → {target}")
    assert not upward, upward


def test_the_core_never_imports_streamlit():
    importers = [
        name for name, path in MODULES.items()
        if _layer(name) != "ui" and "streamlit" in {
            (a.name if isinstance(n, ast.Import) else n.module or "").split(".")[0]
            for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(n, ast.Import | ast.ImportFrom) for a in (n.names if isinstance(n, ast.Import) else [n])
        }
    ]  # fmt: skip
    assert not importers


def test_no_folder_holds_more_than_15_modules():
    crowded = {
        str(folder.relative_to(SRC)): n
        for folder in [PACKAGE, *(p for p in PACKAGE.rglob("*") if p.is_dir() and p.name != "__pycache__")]
        if (n := len(list(folder.glob("*.py")))) > MAX_MODULES
    }
    assert not crowded


def test_inside_the_ui_pages_use_panels_and_panels_use_the_shared_modules_never_the_reverse():
    rank = {"assistant.ui.pages": 2, "assistant.ui.panels": 1, "assistant.ui": 0}
    upward = [
        f"{module} → {target}"
        for module, targets in IMPORTS.items()
        if _folder(module) in rank
        for target in targets
        if _folder(target) in rank and rank[_folder(target)] > rank[_folder(module)]
    ]
    assert not upward, upward
