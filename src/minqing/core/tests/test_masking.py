import pytest

from minqing.core.masking import mask_id, mask_ids_in, mask_phone


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("41081119800101123X", "410811********123X"),
        ("410811198001011234", "410811********1234"),
        ("410811800101123", "410811*****1123"),  # the old 15-digit form
        (" 41081119800101123X ", "410811********123X"),
        ("4108111980", "**********"),  # too short to keep anything back
        ("12345", "*****"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_id(value, expected):
    assert mask_id(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13812345678", "138****5678"),
        ("0391-2345678", "039*****5678"),
        ("+8613812345678", "+86*******5678"),
        ("2345678", "*******"),  # a local number: too short to keep anything back
        ("110", "***"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_phone(value, expected):
    assert mask_phone(value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("41081119800101123X|白血病", "410811********123X|白血病"),
        ("410811198001011234", "410811********1234"),
        ("410811800101123|重度残疾人护理补贴", "410811*****1123|重度残疾人护理补贴"),
        ("SY20260504000001", "SY20260504000001"),  # a work order number: 14 digits, kept
        ("豫H12345", "豫H12345"),
        ("4108111980010112345", "4108111980010112345"),  # 19 digits: not an ID number
        ("", ""),
        (None, ""),
    ],
)
def test_mask_ids_in(text, expected):
    assert mask_ids_in(text) == expected
