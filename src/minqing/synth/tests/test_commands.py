"""`minqing synth` and `minqing demo` as a user runs them."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from minqing.accounts.models import User
from minqing.areas.models import Area, Level
from minqing.registry.models import Facility, Organization, Place


def test_synth_prints_one_json_object(tmp_path, capsys):
    call_command("synth", "--persons", "1000", "--out", str(tmp_path / "d"), "--json")
    result = json.loads(capsys.readouterr().out)
    assert result["persons"] <= 1000
    assert result["areas"]["grid"] > 100
    assert result["extracts"]["extracts/公安_户籍人口.xlsx"] >= result["persons"]


def test_synth_refuses_an_unknown_error_rate(tmp_path):
    rates = tmp_path / "rates.json"
    rates.write_text('{"name_typo": 0.1}', encoding="utf-8")
    with pytest.raises(CommandError, match="未知的错误类型"):
        call_command(
            "synth", "--persons", "1000", "--out", str(tmp_path / "d"), "--errors", str(rates)
        )


def test_synth_refuses_a_tiny_district(tmp_path):
    with pytest.raises(CommandError, match="至少"):
        call_command("synth", "--persons", "10", "--out", str(tmp_path / "d"))


@pytest.mark.django_db(transaction=True)
def test_demo_prepares_everything_and_reuses_it_the_second_time(tmp_path, settings, capsys):
    from minqing.accounts.tests.factories import ensure_roles

    ensure_roles()  # a transactional test starts with empty tables
    settings.DATA_DIR = tmp_path
    call_command("demo", "--json", "--persons", "1500")
    first = json.loads(capsys.readouterr().out)
    assert first["district"]["reused"] is False
    assert Area.objects.filter(level=Level.GRID).count() > 100
    assert Place.objects.exists() and Organization.objects.exists() and Facility.objects.exists()
    usernames = {a["username"] for a in first["accounts"]}
    assert {"grid", "leader", "minzheng", "auditor"} <= usernames
    assert User.objects.get(username="grid").check_password("Minqing-grid-2026")
    linked = first["linkage"]
    assert 1000 < linked["persons"] < linked["records"] and linked["households"] > 300
    assert first["assessment"]["households"] == linked["households"]
    assert first["assessment"]["assessed_on"] == "2026-10-31"
    # the 核对 round: the families asked for, the reports imported, the district assessed again
    verification = first["verification"]
    assert verification["requested"]["households"] > 10
    assert 0 < verification["answered"]["households"] <= verification["requested"]["households"]
    assert verification["import"]["status"] == "succeeded"
    assert first["screening"]["run"] < first["assessment"]["run"]

    call_command("demo", "--json", "--persons", "1500")
    second = json.loads(capsys.readouterr().out)
    assert second["district"]["reused"] is True
    assert second["loaded"]["areas"]["created"] == 0
    assert second["loaded"]["facilities"]["unchanged"] == first["loaded"]["facilities"]["created"]
    # the second link run finds the same people under the same ids
    assert second["linkage"]["persons_new"] == 0
    assert second["linkage"]["persons"] == linked["persons"]
    assert second["assessment"]["proposals_new"] == 0
    assert second["screening"]["proposals_new"] == 0
    # only the families that did not sign (or were split by linkage) are asked again
    assert (
        second["verification"]["requested"]["households"]
        < verification["requested"]["households"] / 2
    )
