"""Belgian national register numbers (YYMMDD SSS CC): normalisation and the mod-97 check digits."""

import re

_SEPARATORS = re.compile(r"[\s.\-/]")


def normalise_national_number(text: str | None) -> str:
    """The 11 digits of a number typed with or without separators ("85.07.30-033.28" -> "85073003328")."""
    return _SEPARATORS.sub("", text or "")


def is_valid_national_number(digits: str) -> bool:
    """True when the 11 digits carry valid check digits: 97 - (first 9 digits mod 97), with a "2" in front of the
    9 digits for persons born in 2000 or later."""
    if not re.fullmatch(r"\d{11}", digits or ""):
        return False
    body, check = digits[:9], int(digits[9:])
    return check in {97 - int(body) % 97, 97 - int("2" + body) % 97}


def national_number_check(body: str, *, born_2000_or_later: bool = False) -> str:
    """The two check digits for a 9-digit body (used by tests and the demo)."""
    value = int(("2" if born_2000_or_later else "") + body)
    return f"{97 - value % 97:02d}"
