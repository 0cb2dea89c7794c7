"""House rules that reading the code should not have to check (docs/ARCHITECTURE: "rules the house keeps").

- No function takes more than 12 parameters.
- Imports run one way: no import circle between modules (function-local imports included).
- Plots never switch the user's matplotlib backend, nor touch pyplot.

Imports under ``if TYPE_CHECKING:`` (annotations only) do not count as arrows.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "lmbasics"
EXEMPT: tuple[str, ...] = ()
MAX_PARAMETERS = 12


def _modules() -> dict[str, Path]:
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        if not any(name == e or name.startswith(e + ".") for e in EXEMPT):
            modules[name] = path
    return modules


def parameter_count(function: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> int:
    """Every parameter a caller can pass (positional, keyword-only, *args, **kwargs), less
    ``self`` / ``cls``."""
    args = function.args
    names = [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
    if names and names[0] in ("self", "cls"):
        names = names[1:]
    return len(names) + (args.vararg is not None) + (args.kwarg is not None)


def _is_type_checking_block(node: ast.AST) -> bool:
    if not isinstance(node, ast.If):
        return False
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The package's modules that ``name`` imports anywhere in its body."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    type_only = {id(child) for node in ast.walk(tree) if _is_type_checking_block(node)
                 for statement in node.body for child in ast.walk(statement)}
    for node in ast.walk(tree):
        if id(node) in type_only:  # `if TYPE_CHECKING:` imports are for annotations, not run
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            for alias in node.names:  # `from pkg import module` imports the module
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
    return {module for module in found if module in modules and module != name}


def test_parameter_count_counts_every_kind() -> None:
    (function,) = ast.parse("def f(self, a, /, b, *c, d, **e): pass").body
    assert parameter_count(function) == 5
    (function,) = ast.parse("def f(cls_, a=1): pass").body
    assert parameter_count(function) == 2


def test_no_function_takes_more_than_12_parameters() -> None:
    over = []
    for name, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            function = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if function and parameter_count(node) > MAX_PARAMETERS:
                over.append(f"{name}:{node.lineno} {getattr(node, 'name', 'lambda')}")
    assert not over, f"more than {MAX_PARAMETERS} parameters: {over}"


def find_circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(node: str) -> None:
        order[node] = low[node] = len(order)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in order:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], order[target])
        if low[node] == order[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for node in sorted(graph):
        if node not in order:
            visit(node)
    return circles


def test_find_circles_sees_a_circle_and_nothing_else() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_circles(graph) == [["a", "b", "c"]]
    assert find_circles({"a": {"b"}, "b": set()}) == []


def test_imports_run_one_way() -> None:
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    assert find_circles(graph) == []


_DRAW_EVERY_PLOT = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path

    import matplotlib
    import numpy as np

    out = Path(sys.argv[1])
    from lmbasics.activations.gradflow import plot_gradient_flow
    from lmbasics.activations.plots import plot_functions
    from lmbasics.encoders.plots import plot_translation
    from lmbasics.explore.plots import plot_onehot
    from lmbasics.word2vec.keyedvectors import KeyedVectors

    plot_functions(out / "functions.png")
    history = [{"grad_norm": {"layer0": 1.0 + step, "layer1": 2.0}} for step in range(3)]
    plot_gradient_flow(history, out / "gradflow.png")
    bleu = {"mean": 10.0, "std": 1.0}
    plot_translation({"families": {"cnn": {"bleu": bleu}}, "data": {"source": "made up"}},
                     out / "translation.png")
    kv = KeyedVectors(3)
    kv.add_vectors(["a", "b", "c"], np.eye(3))
    plot_onehot(kv, ["a", "b", "c"], out / "onehot.png")
    print(json.dumps({"backend": matplotlib.get_backend(),
                      "pyplot": "matplotlib.pyplot" in sys.modules}))
    """
)


def test_plots_leave_the_users_backend_alone(tmp_path: Path) -> None:
    env = {**os.environ, "MPLBACKEND": "svg", "PYTHONPATH": str(PACKAGE.parent)}
    done = subprocess.run([sys.executable, "-c", _DRAW_EVERY_PLOT, str(tmp_path)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    state = json.loads(done.stdout.splitlines()[-1])
    assert state == {"backend": "svg", "pyplot": False}
    for png in ("functions", "gradflow", "translation", "onehot"):
        assert (tmp_path / f"{png}.png").read_bytes()[:4] == b"\x89PNG"
