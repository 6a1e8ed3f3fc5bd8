"""The routing table: the most specific rule wins, by path prefix."""

import pytest

from minqing.casework.models import RoutingRule
from minqing.casework.queries import department_for
from minqing.casework.routing import choose_department, covers

D, S, C, G = (
    "410811",
    "410811/410811001",
    "410811/410811001/410811001001",
    ("410811/410811001/410811001001/410811001001001"),
)


@pytest.mark.parametrize(
    ("rules", "path", "department"),
    [
        ([], G, ""),
        ([(None, "civil_affairs")], G, "civil_affairs"),
        ([(None, "civil_affairs"), (S, "education")], G, "education"),
        ([(None, "civil_affairs"), (S, "education"), (C, "health")], G, "health"),
        ([(C, "health"), (None, "civil_affairs"), (S, "education")], G, "health"),
        ([(None, "civil_affairs"), (G, "housing")], G, "housing"),
        # a rule of another street does not apply
        ([(None, "civil_affairs"), ("410811/410811002", "education")], G, "civil_affairs"),
        # a code that only starts like the street's is not below it
        ([("410811/41081100", "education")], G, ""),
        ([(S, "education")], "410811/410811002/410811002001", ""),
        # a rule for the district itself is as specific as its area
        ([(None, "civil_affairs"), (D, "health")], G, "health"),
    ],
)
def test_the_most_specific_rule_wins(rules, path, department):
    assert choose_department(rules, path) == department


def test_covers_is_by_whole_codes():
    assert covers(None, G) and covers(S, G) and covers(G, G)
    assert not covers("410811/4108110", G)


def test_an_area_rule_overrides_the_default_there_only(areas):
    community = areas["定和街道/丰收社区"]
    RoutingRule.objects.create(problem_type="medical", area=community, department="health")
    assert department_for("medical", areas["定和街道/丰收社区/第1网格"]) == "health"
    assert department_for("medical", areas["定和街道/新华社区/第1网格"]) == "medical_insurance"
    grid_rule = RoutingRule.objects.create(
        problem_type="medical", area=areas["定和街道/丰收社区/第2网格"], department="civil_affairs"
    )
    assert department_for("medical", grid_rule.area) == "civil_affairs"
    assert department_for("other", community) == ""


def test_one_rule_per_type_and_area(areas):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        RoutingRule.objects.create(problem_type="hardship", department="health")
    street = areas["定和街道"]
    RoutingRule.objects.create(problem_type="hardship", area=street, department="health")
    with pytest.raises(IntegrityError), transaction.atomic():
        RoutingRule.objects.create(problem_type="hardship", area=street, department="education")
