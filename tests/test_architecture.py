"""The package's layout is its architecture: evidence in, analysis, presentation, book build.

Each layer may import only the layers before it (and ``mscreview.params``), so that, for example, a change to how a
table looks can never change a number, and the data checks never depend on the analyses they protect."""
import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "mscreview"
LAYERS = ["evidence", "analysis", "presentation", "book"]


def internal_imports(path: Path) -> set[str]:
    """Every ``mscreview`` module a file imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("mscreview"):
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("mscreview"))
    return found


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def test_every_module_sits_in_a_layer():
    loose = sorted(p.name for p in PACKAGE.glob("*.py") if p.name not in ("__init__.py", "params.py"))
    assert loose == [], f"modules outside the four layers {LAYERS}: {loose}"


@pytest.mark.parametrize("layer", LAYERS)
def test_a_layer_imports_only_the_layers_before_it(layer):
    allowed = set(LAYERS[: LAYERS.index(layer) + 1])
    wrong = {f"{path.relative_to(PACKAGE)} imports {module}"
             for path in sorted((PACKAGE / layer).glob("*.py"))
             for module in internal_imports(path) if layer_of(module) not in allowed | {None}}
    assert not wrong, sorted(wrong)


def test_the_checker_sees_a_backward_import(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from mscreview.presentation.tables import cite\n    from mscreview import params\n")
    assert {layer_of(m) for m in internal_imports(module)} == {"presentation", None}
