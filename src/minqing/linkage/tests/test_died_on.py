"""Person.died_on as a link run writes it: from the person's current records, by the rule
assessment reads too (golden.deaths) — the register's 死亡注销, else the funeral homes' cremation
list — and cleared when no current record says so any longer."""

import datetime as dt
from pathlib import Path

from django.utils import timezone

from minqing.core.idnumbers import check_char
from minqing.linkage.actions import link
from minqing.linkage.models import RecordLink
from minqing.linkage.tests.factories import make_record, make_source
from minqing.registry.models import Person

MODEL = (Path(__file__).parent / "data" / "person_model.json").read_text(encoding="utf-8")


def _id(first17: str) -> str:
    return first17 + check_char(first17)


DEREGISTERED = _id("41081119400101101")  # 死亡注销 with its date
CREMATED = _id("41081119420202202")  # 正常 in the register, cremated
CREMATED_ONLY = _id("41081119440303303")  # registered elsewhere, cremated here
UNDATED = _id("41081119460404404")  # 死亡注销 without a date
ALIVE = _id("41081119480505505")


def _person(id_number: str, name: str) -> dict:
    """What both lists say of a person: the name, and the ID number with what it tells."""
    return {
        "name": name,
        "id_number": id_number,
        "sex": "M" if int(id_number[16]) % 2 else "F",
        "birth_on": dt.datetime.strptime(id_number[6:14], "%Y%m%d").date(),
    }


def _died_on(id_number: str) -> dt.date | None:
    """Of the person its records (register, cremation list, or both) are linked to."""
    (person_id,) = set(RecordLink.objects.filter(key=id_number).values_list("person_id", flat=True))
    return Person.objects.get(pk=person_id).died_on


def test_a_link_run_sets_died_on_from_the_current_records_and_clears_it(areas):
    grid = areas["定和街道/丰收社区/第1网格"]
    huji = make_source("gongan_huji", "户籍人口")
    binzang = make_source("minzheng_binzang", "火化信息")

    def register(id_number: str, name: str, status: str, deregistered_on: str = ""):
        fields = {"status": status, "deregistered_on": deregistered_on}
        return make_record(huji, id_number, area=grid, fields=fields, **_person(id_number, name))

    def cremation(id_number: str, name: str, died_on: str):
        fields = {"died_on": died_on, "cremated_on": "2026-06-01"}
        return make_record(binzang, id_number, fields=fields, **_person(id_number, name))

    deregistered = register(DEREGISTERED, "张建国", "死亡注销", "2026-03-01")
    register(CREMATED, "李秀兰", "正常")
    cremated = cremation(CREMATED, "李秀兰", "2026-03-02")
    cremation(CREMATED_ONLY, "王桂芳", "2026-04-05")
    undated = register(UNDATED, "赵德明", "死亡注销")
    register(ALIVE, "刘洋", "正常")
    link(model_json=MODEL)

    assert _died_on(DEREGISTERED) == dt.date(2026, 3, 1)
    assert _died_on(CREMATED) == dt.date(2026, 3, 2)
    assert _died_on(CREMATED_ONLY) == dt.date(2026, 4, 5)
    # no list gives the date: the day the register said so, which the person had died by
    assert _died_on(UNDATED) == undated.valid_from.astimezone(dt.UTC).date()
    assert _died_on(ALIVE) is None

    # the register corrects a mistaken de-registration; the cremation record is withdrawn
    now = timezone.now()
    deregistered.valid_to = now
    deregistered.save(update_fields=["valid_to"])
    register(DEREGISTERED, "张建国", "正常")
    cremated.valid_to = now
    cremated.save(update_fields=["valid_to"])
    link(model_json=MODEL)

    assert _died_on(DEREGISTERED) is None
    assert _died_on(CREMATED) is None
    assert _died_on(CREMATED_ONLY) == dt.date(2026, 4, 5)
