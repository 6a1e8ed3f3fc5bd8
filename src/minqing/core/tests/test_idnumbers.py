import datetime as dt

import numpy as np
import pytest

from minqing.core.idnumbers import (
    birth_date,
    check_char,
    check_chars,
    downgrade_18,
    is_male,
    is_valid_18,
    upgrade_15,
)


def with_check(first17: str) -> str:
    return first17 + check_char(first17)


def mod_11_2(first17: str) -> str:
    """ISO 7064 MOD 11-2 written from the standard (weights 2^(17-i) mod 11), not from the code."""
    total = sum(int(c) * pow(2, 17 - i, 11) for i, c in enumerate(first17))
    return "0123456789X"[(12 - total % 11) % 11]


@pytest.mark.parametrize(
    ("first17", "expected"),
    [
        ("11010519491231002", "X"),  # the example printed in GB 11643-1999
        ("41081119850312123", "0"),  # 232 mod 11 = 1 → '0', worked out by hand
        ("44030419800101001", "7"),
        ("41081120000229002", "8"),
        ("41081119850312102", "X"),
    ],
)
def test_check_char_matches_the_standard(first17, expected):
    assert check_char(first17) == expected
    assert mod_11_2(first17) == expected


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("11010519491231002X", True),
        ("11010519491231002x", True),  # lower-case x is accepted
        ("41081119850312102X", True),
        ("410811198503121230", True),
        ("440304198001010017", True),
        ("410811200002290028", True),  # 29 February of a leap year
        ("410811198503121231", False),  # wrong check digit
        ("110105194912310020", False),  # '0' where 'X' belongs
        ("410811198503121230 ", False),
        ("41081119850312123X", False),  # X where a digit belongs
        ("11010519491231002Y", False),
        (with_check("41081119851312123"), False),  # month 13
        (with_check("41081119850230123"), False),  # 30 February
        (with_check("41081119850229123"), False),  # 29 February, not a leap year
        (with_check("41081119000229123"), False),  # 1900 was not a leap year
        (with_check("41081119850300123"), False),  # day 0
        (with_check("41081119850001123"), False),  # month 0
        ("41081119850312123", False),  # 17 digits
        ("4108111985031212300", False),  # 19 digits
        ("", False),
        ("41081119850312l230", False),  # letter l for digit 1
        ("ABCDEF198503121230", False),
        ("４１０８１１１９８５０３１２１２３0", False),  # full-width digits, right check
        ("41081119850312²230", False),  # str.isdigit() is true for '²', int() is not
    ],
)
def test_is_valid_18(number, valid):
    assert is_valid_18(number) is valid


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # region + '19' + yymmdd + sequence + check
        ("410811850312123", "410811198503121230"),
        ("110105491231002", "11010519491231002X"),
        ("440304800101001", "440304198001010017"),
        ("410811000229123", "41081119000229123" + check_char("41081119000229123")),
    ],
)
def test_upgrade_15(old, new):
    assert upgrade_15(old) == new
    assert new == new[:17] + mod_11_2(new[:17])


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "41081185031212",  # 14 digits
        "4108118503121234",  # 16 digits
        "410811198503121230",  # already 18
        "41081185031212A",
        "41081185031212 ",
        "４１０８１１８５０３１２１２３",  # full-width digits
        "41081185031212²",
    ],
)
def test_upgrade_15_rejects_what_is_not_15_digits(bad):
    with pytest.raises(ValueError):
        upgrade_15(bad)


@pytest.mark.parametrize(
    "number", ["11010519491231002X", "410811198503121230", "440304198001010017"]
)
def test_downgrade_then_upgrade_gives_the_number_back(number):
    old = downgrade_18(number)
    assert len(old) == 15
    assert old == number[:6] + number[8:17]
    assert upgrade_15(old) == number
    assert downgrade_18(upgrade_15(old)) == old


def test_upgrade_writes_an_upper_case_x():
    assert upgrade_15(downgrade_18("11010519491231002x")) == "11010519491231002X"


@pytest.mark.parametrize(
    ("number", "male"),
    [
        ("410811198503121230", True),  # sequence 123
        ("11010519491231002X", False),  # sequence 002
        ("410811198503121010", True),
        ("410811198503121000", False),
        ("410811850312123", True),
        ("410811850312124", False),
        ("110105491231002", False),
    ],
)
def test_is_male_from_sequence_parity(number, male):
    assert is_male(number) is male


@pytest.mark.parametrize(
    ("number", "born_on"),
    [
        ("11010519491231002X", dt.date(1949, 12, 31)),
        ("410811198503121230", dt.date(1985, 3, 12)),
        ("410811200002290028", dt.date(2000, 2, 29)),
        ("410811850312123", dt.date(1985, 3, 12)),
        ("110105491231002", dt.date(1949, 12, 31)),
        ("410811000101123", dt.date(1900, 1, 1)),
        (with_check("41081119851312123"), None),
        ("410811851312123", None),  # month 13
        ("410811850230123", None),  # 30 February
        ("41081119850312123", None),  # 17 digits
        ("", None),
    ],
)
def test_birth_date(number, born_on):
    assert birth_date(number) == born_on


def test_vectorized_check_chars_equal_check_char():
    rng = np.random.default_rng(11643)
    digits = rng.integers(0, 10, size=(5_000, 17))
    expected = [check_char("".join(map(str, row))) for row in digits]
    got = check_chars(digits)
    assert got.shape == (5_000,)
    assert got.tolist() == expected
    assert set(expected) == set("0123456789X")  # every check character was exercised


def test_vectorized_check_chars_accept_small_digit_arrays():
    digits = np.array([[int(c) for c in "11010519491231002"]], dtype=np.uint8)
    assert check_chars(digits).tolist() == ["X"]
