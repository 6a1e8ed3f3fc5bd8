"""Resident ID numbers (居民身份证号码) under GB 11643-1999.

18 digits: 6-digit region code (GB/T 2260), 8-digit birth date, 3-digit sequence (odd = male,
even = female), one check character from ISO 7064 MOD 11-2 ('X' stands for 10).
The older 15-digit form has a 2-digit year and no check character.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"


def check_char(first17: str) -> str:
    """The check character for the first 17 digits."""
    total = sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def check_chars(first17: np.ndarray) -> np.ndarray:
    """Vectorized check_char over an (n, 17) array of digits; returns a '<U1' array."""
    total = (first17.astype(np.int64) * np.asarray(WEIGHTS, dtype=np.int64)).sum(axis=1)
    return np.asarray(list(CHECK_CHARS))[total % 11]


def is_valid_18(number: str) -> bool:
    """True when the number has 18 characters, a real date and the right check character."""
    if len(number) != 18 or not _is_ascii_digits(number[:17]):
        return False
    if number[17].upper() != check_char(number[:17]):
        return False
    return birth_date(number) is not None


def birth_date(number: str) -> dt.date | None:
    """Birth date encoded in an 18- or 15-digit number, or None when it is not a date."""
    try:
        if len(number) == 18:
            return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        if len(number) == 15:
            return dt.date(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))
    except ValueError:
        return None
    return None


def is_male(number: str) -> bool:
    """Sex from the sequence digit: odd is male."""
    digit = number[16] if len(number) == 18 else number[14]
    return int(digit) % 2 == 1


def upgrade_15(number: str) -> str:
    """The 18-digit form of a 15-digit number (all 15-digit numbers were issued in the 1900s)."""
    if len(number) != 15 or not _is_ascii_digits(number):
        raise ValueError(f"不是15位身份证号码: {number!r}")
    first17 = number[:6] + "19" + number[6:]
    return first17 + check_char(first17)


def _is_ascii_digits(text: str) -> bool:
    # str.isdigit() alone accepts full-width '１' (which int() reads) and '²' (which it rejects)
    return text.isascii() and text.isdigit()


def downgrade_18(number: str) -> str:
    """The 15-digit form an 18-digit number of someone born in the 1900s had before 1999."""
    return number[:6] + number[8:17]
