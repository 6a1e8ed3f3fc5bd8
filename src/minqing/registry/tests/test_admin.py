import pytest
from django.urls import reverse

from minqing.casework.tests.factories import head_of, make_household
from minqing.registry.models import Household, Membership, Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def household(areas):
    return make_household(
        areas["定和街道/丰收社区/第1网格"], id_number="41081119600101123X", phone="13812345678"
    )


def test_persons_and_households_are_shown_not_edited(superuser_client, household):
    """Linkage writes them again on every run: an edit would be undone, and unseen by the
    assessment's incremental runs."""
    person = head_of(household)
    for name, obj in (("person", person), ("household", household)):
        page = superuser_client.get(reverse(f"admin:registry_{name}_change", args=[obj.pk]))
        assert page.status_code == 200
        assert page.context["has_change_permission"] is False
        assert superuser_client.get(reverse(f"admin:registry_{name}_add")).status_code == 403
        delete = reverse(f"admin:registry_{name}_delete", args=[obj.pk])
        assert superuser_client.post(delete, {"post": "yes"}).status_code == 403
    superuser_client.post(
        reverse("admin:registry_person_change", args=[person.pk]),
        {"name": "改过的名字", "sex": "M", "birth_on": "1990-01-01", "record_count": 0},
    )
    superuser_client.post(
        reverse("admin:registry_household_change", args=[household.pk]),
        {
            "number": "X1",
            "area": household.area_id,
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "1",
        },
    )
    person.refresh_from_db()
    assert person.name != "改过的名字"
    assert Household.objects.get(pk=household.pk).number == household.number
    assert Membership.objects.filter(household=household, person=person).exists()
    assert Person.objects.count() == 1


def test_the_person_page_shows_no_id_number_or_phone(superuser_client, household):
    person = head_of(household)
    page = superuser_client.get(reverse("admin:registry_person_change", args=[person.pk]))
    content = page.content.decode()
    assert person.name in content
    assert "41081119600101123X" not in content
    assert "13812345678" not in content
