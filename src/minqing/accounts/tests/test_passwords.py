"""Password rules of 等保 level 3: at least 10 characters, not common, not all digits, and at
least three of upper case, lower case, digits, symbols."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from minqing.accounts.actions import demo_password
from minqing.accounts.passwords import CharacterClassesValidator, character_classes

CASES = [
    # password, accepted, why
    ("Minqing-grid-2026", True, "the demo passwords: all four classes"),
    ("Minqing-test-2026", True, "the test personas' password"),
    ("Shanyang2026", True, "upper, lower, digits"),
    ("shanyang-2026", True, "lower, digits, symbol"),
    ("SHANYANG-2026", True, "upper, digits, symbol"),
    ("Shanyang-Jiaozuo", True, "upper, lower, symbol"),
    ("民情Shanyang2", True, "Chinese counts as a symbol"),
    ("shanyang2026", False, "two classes: lower and digits"),
    ("SHANYANGJIAOZUO", False, "one class"),
    ("shanyang-jiaozuo", False, "two classes: lower and symbol"),
    ("2026-11-29-10", False, "two classes: digits and symbol"),
    ("Ab1-", False, "four classes but too short"),
    ("1234567890", False, "all digits"),
    ("Password123", False, "a common password"),
    ("", False, "empty"),
]


@pytest.mark.parametrize(("password", "accepted", "why"), CASES, ids=[c[2] for c in CASES])
def test_password_rules(password, accepted, why):
    if accepted:
        validate_password(password)
    else:
        with pytest.raises(ValidationError):
            validate_password(password)


@pytest.mark.parametrize(
    ("password", "classes"),
    [
        ("abc", {"lower"}),
        ("ABC", {"upper"}),
        ("123", {"digit"}),
        ("-_ !", {"symbol"}),
        ("民情", {"symbol"}),
        ("Aa1!", {"upper", "lower", "digit", "symbol"}),
        ("", set()),
    ],
)
def test_character_classes(password, classes):
    assert character_classes(password) == classes


@pytest.mark.parametrize(
    "username", ["grid", "community", "street", "sysadmin", "secadmin", "auditor", "leader"]
)
def test_every_demo_password_passes(username):
    validate_password(demo_password(username))


def test_the_message_is_chinese_and_names_what_is_missing():
    with pytest.raises(ValidationError) as error:
        CharacterClassesValidator().validate("shanyang2026")
    message = error.value.messages[0]
    assert "至少包含" in message and "3 类" in message
    assert "大写字母" in message and "特殊符号" in message.split("缺少")[1]
    assert error.value.error_list[0].code == "password_too_simple"


def test_help_text_is_chinese():
    assert "3 类" in CharacterClassesValidator().get_help_text()


def test_too_short_message_is_chinese():
    with pytest.raises(ValidationError) as error:
        validate_password("Ab1-")
    assert any("短" in m for m in error.value.messages)
