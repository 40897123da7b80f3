"""Personal data found in free text (PIPL): mainland mobile and fixed-line phone numbers and resident
ID card numbers, masked wherever the text goes to someone who may not see the reporter's details —
Open311, the wall, the push relay, operators and leaders. Pure."""
from __future__ import annotations

import re

# An 18-character ID number (17 digits and a digit or X), a mobile number (1[3-9] and 9 more digits,
# optionally +86 and spaces or dashes), a fixed line (0 area code, 7–8 digits). Digits glued to other
# digits are not matched (an order number is not a phone number).
_ID_CARD = re.compile(r"(?<![0-9A-Za-z])([1-9]\d{5})(\d{8})(\d{3}[0-9Xx])(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)((?:\+?86[\s-]?)?1[3-9]\d)[\s-]?(\d{4})[\s-]?(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})[\s-]?(\d{3,4})[\s-]?(\d{4})(?!\d)")


def mask_text(text: str | None) -> str | None:
    """'电话13812345678，身份证110101199003071234' → '电话138****5678，身份证110101********1234'."""
    if not text:
        return text
    text = _ID_CARD.sub(lambda m: m.group(1) + "*" * 8 + m.group(3)[-4:].rjust(4, "*")[-4:], text)
    text = _MOBILE.sub(lambda m: m.group(1) + "****" + m.group(3), text)
    return _LANDLINE.sub(lambda m: m.group(1) + "-****" + m.group(3), text)
