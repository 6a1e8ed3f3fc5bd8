"""Masking of personal identifiers for pages and API answers (个人信息脱敏).

ID numbers keep the region code and the last four characters, phones the carrier prefix and
the last four digits, as Chinese government systems customarily show them. A value too short
to keep anything back is masked whole: its ends would be most of it.
"""

from __future__ import annotations

import re

MASK = "*"
# an ID number inside other text (record keys are often "ID number|benefit"): 18 or 15 digits
# not touching other digits
_ID_IN_TEXT = re.compile(r"(?<!\d)(?:\d{17}[\dXx]|\d{15})(?![\dXx])")


def mask_id(value: str | None) -> str:
    """ "41081119800101123X" → "410811********123X"; 15-digit numbers alike."""
    return _keep_ends(value, head=6, tail=4)


def mask_phone(value: str | None) -> str:
    """ "13812345678" → "138****5678"."""
    return _keep_ends(value, head=3, tail=4)


def mask_ids_in(text: str | None) -> str:
    """Every ID number inside the text masked: "41081119800101123X|白血病" → "410811********123X|白血病"."""
    return _ID_IN_TEXT.sub(lambda found: mask_id(found.group()), text or "")


def _keep_ends(value: str | None, *, head: int, tail: int) -> str:
    text = (value or "").strip()
    if not text:
        return ""
    hidden = len(text) - head - tail
    if hidden < 4:
        return MASK * len(text)
    return text[:head] + MASK * hidden + text[-tail:]
