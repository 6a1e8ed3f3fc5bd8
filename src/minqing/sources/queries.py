"""Reads of the sources box."""

from __future__ import annotations

from minqing.areas.models import Area
from minqing.registry.models import Place, PlaceKind
from minqing.sources.normalizers.address import Gazetteer


def build_gazetteer() -> Gazetteer:
    """The district's areas, estates and buildings as the address normalizer needs them."""
    areas = Area.objects.values("code", "name", "level", "parent__code")
    places = Place.objects.filter(kind__in=[PlaceKind.ESTATE, PlaceKind.BUILDING]).values(
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
