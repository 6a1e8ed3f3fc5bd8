"""docs/policies.md keeps up with the code: every parameter, condition, policy and input column
is documented there (a new one without a line in the docs fails here)."""

from pathlib import Path

import pytest

from minqing.policies import CONDITIONS, POLICY_CODES, default_table
from minqing.policies.facts import HOUSEHOLD_COLUMNS, MEMBER_COLUMNS

DOC = Path(__file__).parents[4] / "docs" / "policies.md"


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def test_every_parameter_is_documented(doc):
    missing = [n for n in default_table().names() if f"`{n}`" not in doc]
    assert missing == []


def test_every_condition_is_documented(doc):
    assert [c for c in CONDITIONS if f"`{c}`" not in doc] == []


def test_every_policy_is_documented(doc):
    assert [p for p in POLICY_CODES if f"`{p}`" not in doc] == []


def test_every_input_column_is_documented(doc):
    columns = {c for c, *_ in HOUSEHOLD_COLUMNS + MEMBER_COLUMNS}
    assert [c for c in sorted(columns) if f"| `{c}` |" not in doc] == []
