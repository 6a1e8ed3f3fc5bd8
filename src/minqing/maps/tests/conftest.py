"""The casework personas and their areas (grid, other_grid, cadre, hotline_operator …)."""

from minqing.casework.tests.conftest import (  # noqa: F401
    _routing_rules,
    audit_admin,
    cadre,
    education_clerk,
    grid,
    hotline_operator,
    other_grid,
    other_street_grid,
    security_admin,
    superuser,
)
