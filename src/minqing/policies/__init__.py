"""Rules as code: the assistance policies minqing screens for, as pure Python + Polars.

No Django here, not even indirectly (a test checks): the assessment app calls in with plain
frames. Start with `evaluate` (evaluation.py has the input contract); the parameter table with
its dates, areas and sources is parameters.py and data/parameters.csv; one function per legal
condition in conditions.py; the 13 policies in catalogue.py. docs/policies.md has it all in prose.
"""

from minqing.policies.catalogue import BASIC_LIVING, POLICIES, POLICY_CODES, POLICY_LABELS
from minqing.policies.conditions import CONDITIONS
from minqing.policies.evaluation import check, evaluate
from minqing.policies.facts import ContractError, age_on
from minqing.policies.parameters import (
    Parameter,
    ParameterError,
    ParameterTable,
    default_table,
    in_force,
    read_csv,
    resolve,
)

__all__ = [
    "BASIC_LIVING",
    "CONDITIONS",
    "POLICIES",
    "POLICY_CODES",
    "POLICY_LABELS",
    "ContractError",
    "Parameter",
    "ParameterError",
    "ParameterTable",
    "age_on",
    "check",
    "default_table",
    "evaluate",
    "in_force",
    "read_csv",
    "resolve",
]
