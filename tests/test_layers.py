"""The house rules about who imports what (STYLE.md): checked on the source, so a new module that
breaks them fails here rather than in review."""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "minqing"


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def modules(*, under: str = "") -> list[Path]:
    return sorted((SRC / under).rglob("*.py"))


def test_only_linkage_imports_splink():
    offenders = [
        str(p.relative_to(SRC))
        for p in modules()
        if "splink" in imports_of(p) and p.relative_to(SRC).parts[0] != "linkage"
    ]
    assert offenders == []


@pytest.mark.parametrize("package", ["policies"])
def test_rules_never_import_django(package):
    if not (SRC / package).is_dir():
        pytest.skip(f"{package} does not exist yet")
    offenders = [
        str(p.relative_to(SRC))
        for p in modules(under=package)
        if "django" in imports_of(p) and "tests" not in p.parts
    ]
    assert offenders == []


def test_pure_modules_of_linkage_and_assessment_do_not_import_django():
    pure = [
        "linkage/model.py",
        "linkage/engine.py",
        "linkage/cluster.py",
        "linkage/golden.py",
        "linkage/households.py",
        "assessment/facts.py",
        "assessment/indicators.py",
        "assessment/policy_inputs.py",
        "assessment/classify.py",
        "core/frames.py",
        "core/workdays.py",
    ]
    # (assessment/actions.py is the Django side: it writes the results)
    offenders = [name for name in pure if "django" in imports_of(SRC / name)]
    assert offenders == []
