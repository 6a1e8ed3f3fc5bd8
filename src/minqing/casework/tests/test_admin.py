"""The admin: the routing table is edited there (and audited); the rest is read only."""

import pytest
from django.urls import reverse

from minqing.audit.models import AuditEvent
from minqing.casework.models import RoutingRule
from minqing.casework.tests.factories import make_entry


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def test_an_admin_adds_a_routing_rule_and_it_is_audited(admin_client, areas):
    community = areas["定和街道/丰收社区"]
    response = admin_client.post(
        reverse("admin:casework_routingrule_add"),
        {"problem_type": "medical", "area": community.pk, "department": "health", "note": "试点"},
    )
    assert response.status_code == 302
    rule = RoutingRule.objects.get(area=community)
    assert rule.department == "health"
    assert AuditEvent.objects.filter(
        action="casework.add_routing_rule", object_id=str(rule.pk)
    ).exists()
    listing = admin_client.get(reverse("admin:casework_routingrule_changelist"))
    assert listing.status_code == 200 and "全区(默认)" in listing.content.decode()


@pytest.mark.parametrize("model", ["ledgerentry", "problem", "measure", "visit", "change"])
def test_the_ledger_is_read_only_in_the_admin(admin_client, grid, model):
    make_entry(grid)
    assert admin_client.get(reverse(f"admin:casework_{model}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:casework_{model}_add")).status_code == 403
