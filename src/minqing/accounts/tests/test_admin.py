import pytest
from django.urls import reverse

from minqing.audit.actions import record

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:accounts_user_changelist",
        "admin:accounts_user_add",
        "admin:accounts_unit_changelist",
        "admin:accounts_role_changelist",
        "admin:audit_auditevent_changelist",
    ],
)
def test_admin_pages_open(superuser_client, grid_worker, url_name):
    assert superuser_client.get(reverse(url_name)).status_code == 200


def test_user_change_page_shows_unit_roles_and_full_name(superuser_client, grid_worker):
    content = superuser_client.get(
        reverse("admin:accounts_user_change", args=[grid_worker.pk])
    ).content.decode()
    assert 'name="unit"' in content and 'name="roles"' in content and 'name="full_name"' in content


def test_a_units_leader_is_set_in_the_admin(superuser_client, civil_affairs_clerk):
    unit = civil_affairs_clerk.unit
    url = reverse("admin:accounts_unit_change", args=[unit.pk])
    assert 'name="leader"' in superuser_client.get(url).content.decode()
    data = {
        "name": unit.name,
        "kind": unit.kind,
        "department": unit.department,
        "area": unit.area_id,
        "leader": civil_affairs_clerk.pk,
    }
    assert superuser_client.post(url, data).status_code == 302
    unit.refresh_from_db()
    assert unit.leader == civil_affairs_clerk


def test_roles_cannot_be_added_or_deleted(superuser_client, grid_worker):
    assert superuser_client.get(reverse("admin:accounts_role_add")).status_code == 403
    role = grid_worker.roles.get()
    assert (
        superuser_client.get(reverse("admin:accounts_role_delete", args=[role.pk])).status_code
        == 403
    )


def test_audit_events_are_read_only(superuser_client, grid_worker):
    event = record("test.something", by=grid_worker, summary="测试")
    change_url = reverse("admin:audit_auditevent_change", args=[event.pk])
    response = superuser_client.get(change_url)
    assert response.status_code == 200
    assert 'name="summary"' not in response.content.decode()
    assert superuser_client.post(change_url, {"summary": "改"}).status_code == 403
    assert superuser_client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    delete_url = reverse("admin:audit_auditevent_delete", args=[event.pk])
    assert superuser_client.get(delete_url).status_code == 403
