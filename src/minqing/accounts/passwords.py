"""Password rules of 等保 level 3 beyond Django's own validators (length ≥ 10, not common, not
all digits — see AUTH_PASSWORD_VALIDATORS): a password mixes at least three of the four
character classes."""

from __future__ import annotations

from django.contrib.auth.password_validation import MinimumLengthValidator
from django.core.exceptions import ValidationError

CLASSES = {
    "upper": "大写字母",
    "lower": "小写字母",
    "digit": "数字",
    "symbol": "特殊符号",
}


def character_classes(password: str) -> set[str]:
    """The classes a password uses. Letters count by ASCII case; any other character that is
    not a digit (punctuation, a space, a Chinese character) counts as a symbol."""
    found = set()
    for ch in password:
        if "A" <= ch <= "Z":
            found.add("upper")
        elif "a" <= ch <= "z":
            found.add("lower")
        elif "0" <= ch <= "9":
            found.add("digit")
        else:
            found.add("symbol")
    return found


class CharacterClassesValidator:
    """At least `min_classes` (default 3) of: upper case, lower case, digits, symbols."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:
        used = character_classes(password)
        if len(used) < self.min_classes:
            missing = "、".join(label for key, label in CLASSES.items() if key not in used)
            raise ValidationError(
                f"密码须至少包含大写字母、小写字母、数字、特殊符号中的 {self.min_classes} 类"
                f"(当前缺少: {missing})。",
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return f"密码须至少包含大写字母、小写字母、数字、特殊符号中的 {self.min_classes} 类。"


class MinimumLengthChineseValidator(MinimumLengthValidator):
    """Django's length rule with its message in Chinese: Django 5.2 changed the English text and
    its zh_Hans catalogue no longer matches it (the other validators' messages are translated)."""

    def get_error_message(self) -> str:
        return f"密码太短, 至少需要 {self.min_length} 个字符。"

    def get_help_text(self) -> str:
        return f"密码至少需要 {self.min_length} 个字符。"
