"""The working-day clock, the care day, and which files are kept."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from minqing.casework import deadlines
from minqing.casework.files import MAX_BYTES, validate_evidence, validate_photo
from minqing.casework.tests.factories import JPEG, PDF, PNG

FRIDAY = dt.date(2026, 12, 11)


def test_due_dates_count_working_days():
    due = deadlines.due_on(FRIDAY, workdays=1)
    assert due > FRIDAY and due.weekday() < 5
    assert deadlines.due_on(FRIDAY) == deadlines.add_workdays(FRIDAY, deadlines.HANDLING_WORKDAYS)
    assert deadlines.due_on(FRIDAY, is_major=True) == deadlines.add_workdays(
        FRIDAY, deadlines.MAJOR_HANDLING_WORKDAYS
    )


def test_the_clock_skips_weekends_and_public_holidays_and_counts_adjusted_working_days():
    assert deadlines.due_on(FRIDAY, workdays=1) == dt.date(2026, 12, 14)
    assert deadlines.due_on(FRIDAY) == dt.date(2026, 12, 18)
    # dispatched the Friday before 春节 2026: Saturday 14 February is worked, 15–23 are not
    assert deadlines.due_on(dt.date(2026, 2, 13)) == dt.date(2026, 2, 27)


@pytest.mark.parametrize(
    ("today", "level"),
    [
        (FRIDAY - dt.timedelta(days=1), 0),
        (FRIDAY, 0),
        (FRIDAY + dt.timedelta(days=1), 1),
        (deadlines.add_workdays(FRIDAY, deadlines.ESCALATE_AFTER), 1),
        (deadlines.add_workdays(FRIDAY, deadlines.ESCALATE_AFTER) + dt.timedelta(days=1), 2),
    ],
)
def test_overdue_levels(today, level):
    assert deadlines.overdue_level(FRIDAY, today) == level
    assert deadlines.overdue_level(None, today) == 0


@pytest.mark.parametrize(
    ("today", "care_day"),
    [
        (dt.date(2026, 12, 7), dt.date(2026, 12, 8)),  # Monday → Tuesday
        (dt.date(2026, 12, 8), dt.date(2026, 12, 8)),  # Tuesday itself
        (dt.date(2026, 12, 9), dt.date(2026, 12, 15)),  # Wednesday → next week
        (dt.date(2026, 10, 5), dt.date(2026, 10, 13)),  # Tuesday 6 October is 国庆
    ],
)
def test_the_care_day_is_the_next_tuesday(today, care_day):
    assert deadlines.next_care_day(today) == care_day


@pytest.mark.parametrize(
    ("content", "photo", "evidence"),
    [
        (JPEG, "image/jpeg", "image/jpeg"),
        (PNG, "image/png", "image/png"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp", "image/webp"),
        (PDF, None, "application/pdf"),
        (b"MZ\x90\x00\x03", None, None),
        (b"", None, None),
    ],
)
def test_files_are_judged_by_their_signature(content, photo, evidence):
    def check(validate, expected):
        upload = SimpleUploadedFile("x.jpg", content, content_type="image/jpeg")
        if expected is None:
            with pytest.raises(ValidationError):
                validate(upload)
        else:
            assert validate(upload) == expected

    check(validate_photo, photo)
    check(validate_evidence, evidence)


def test_files_over_the_limit_are_refused():
    upload = SimpleUploadedFile("big.jpg", JPEG + b"\x00" * MAX_BYTES, content_type="image/jpeg")
    with pytest.raises(ValidationError, match="10 MB"):
        validate_photo(upload)
