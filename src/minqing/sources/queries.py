"""Reads of the sources box."""

from __future__ import annotations

from minqing.areas.models import Area
from minqing.registry.models import Place, PlaceKind
from minqing.sources.normalizers.address import Gazetteer


def build_gazetteer(apps=None) -> Gazetteer:
    """The district's areas, estates and buildings as the address normalizer needs them.
    `apps`: a migration's app registry, to read through its historical models."""
    area_model = apps.get_model("areas", "Area") if apps else Area
    place_model = apps.get_model("registry", "Place") if apps else Place
    areas = area_model.objects.values("code", "name", "level", "parent__code")
    places = place_model.objects.filter(kind__in=[PlaceKind.ESTATE, PlaceKind.BUILDING]).values(
        "code", "name", "kind", "area__code", "parent__code"
    )
    return Gazetteer(
        areas=[
            {
                "code": a["code"],
                "name": a["name"],
                "level": a["level"],
                "parent_code": a["parent__code"],
            }
            for a in areas
        ],
        places=[
            {
                "code": p["code"],
                "name": p["name"],
                "kind": p["kind"],
                "area_code": p["area__code"],
                "parent_code": p["parent__code"],
            }
            for p in places
        ],
    )
