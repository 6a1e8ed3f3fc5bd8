from django.contrib import admin

from minqing.core.admin import ShownNotEdited
from minqing.registry.models import (
    Facility,
    Household,
    Membership,
    Organization,
    Person,
    Place,
)


class DerivedFromSources(ShownNotEdited):
    """Persons, households and their memberships are what linkage made of the department lists
    (数据交叉对比): it writes them again on every run, so an edit here would be undone by the
    next one, and assessment — which re-assesses what linkage and the imports changed — would
    not see it. They are corrected where they come from: the list (a new import) or the review
    queue."""


@admin.register(Person)
class PersonAdmin(DerivedFromSources, admin.ModelAdmin):
    list_display = ("name", "sex", "birth_on", "died_on")
    list_filter = ("sex",)
    search_fields = ("name",)
    # the ID number and phone (and the golden record that holds them) only on the app's pages:
    # masked unless the user's role needs them, each full reading logged
    exclude = ("id_number", "phone", "golden", "conflicts")


class MembershipInline(DerivedFromSources, admin.TabularInline):
    model = Membership
    raw_id_fields = ("person",)
    extra = 0


@admin.register(Household)
class HouseholdAdmin(DerivedFromSources, admin.ModelAdmin):
    list_display = ("number", "area", "address")
    list_filter = ("area__level",)
    search_fields = ("number", "address", "area__name", "area__code")
    list_select_related = ("area",)
    raw_id_fields = ("area", "place")
    inlines = (MembershipInline,)


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "area", "parent", "address")
    list_filter = ("kind",)
    search_fields = ("code", "name", "address", "area__name")
    list_select_related = ("area", "parent")
    raw_id_fields = ("area", "parent")


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "area", "place")
    list_filter = ("kind",)
    search_fields = ("code", "name", "area__name")
    list_select_related = ("area", "place")
    raw_id_fields = ("area", "place")


@admin.register(Facility)
class FacilityAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "area", "place", "is_working")
    list_filter = ("kind", "is_working")
    search_fields = ("code", "name", "area__name")
    list_select_related = ("area", "place")
    raw_id_fields = ("area", "place")
