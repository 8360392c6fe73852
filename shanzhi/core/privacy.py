"""Masking of personal data (PIPL): lists and exports show masked values; full values only to an
entitled viewer on a detail page, and such views are logged by the caller."""

import re


def phone_key(phone: str | None) -> str:
    """A phone number as the digits people dial, for finding a caller however the number was
    written: spaces, dashes and a +86 / 0086 / 86 prefix before a mobile number are dropped
    (+86 138 1234 5678 and 138-1234-5678 are both 13812345678; 0572-1234567 is 05721234567)."""
    digits = re.sub(r"\D", "", phone or "")
    for prefix in ("0086", "86"):
        if (
            digits.startswith(prefix)
            and len(digits) == len(prefix) + 11
            and digits[len(prefix)] == "1"
        ):
            return digits[len(prefix) :]
    return digits[:20]


def mask_phone(phone: str | None) -> str:
    """13812345678 → 138****5678; short or odd numbers keep only their last two characters."""
    if not phone:
        return ""
    digits = re.sub(r"\s+", "", phone)
    if len(digits) >= 7:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    return "*" * max(len(digits) - 2, 0) + digits[-2:]


def mask_id_number(value: str | None) -> str:
    """A resident ID number keeps its first 6 and last 4 characters."""
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_name(name: str | None) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***."""
    if not name:
        return ""
    return name[0] + "*" * (len(name) - 1)


# Contact details written into free text: mobile numbers (with or without +86 and separators),
# landlines with an area code, resident ID numbers and e-mail addresses.
# Digits may be full-width (１３８…) and separated by spaces or dashes (138 1234 5678, 1 3 8 …).
_D = "[0-9０-９]"
_SEP = "[-－ 　]?"
_CONTACTS = re.compile(
    rf"(?<![0-9０-９])(?:[+＋]?[8８][6６]{_SEP})?[1１]{_SEP}[3-9３-９](?:{_SEP}{_D}){{9}}(?![0-9０-９])"
    rf"|(?<![0-9０-９])[0０][1-9１-９](?:{_D}){{1,2}}{_SEP}(?:{_D}){{7,8}}(?![0-9０-９])"
    rf"|(?<![0-9０-９A-Za-z])[1-9１-９](?:{_SEP}{_D}){{16}}{_SEP}[0-9０-９XxＸｘ](?![0-9０-９A-Za-z])"
    r"|[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"
)
_ASCII_DIGITS = str.maketrans("０１２３４５６７８９ＸｘＸ", "0123456789XxX")


def mask_contacts(text: str | None) -> str:
    """Free text with the phone numbers, ID numbers and e-mail addresses in it masked, for text
    that leaves the staff's hands (public Open311 reads): 请拨13812345678 → 请拨138****5678."""
    if not text:
        return ""

    def masked(match: re.Match) -> str:
        value = match.group(0)
        if "@" in value:
            return "***@" + value.rsplit("@", 1)[1]
        digits = re.sub(r"[^0-9Xx]", "", value.translate(_ASCII_DIGITS))
        if len(digits) == 18 and not digits.startswith("86"):
            return mask_id_number(digits)
        return mask_phone(digits[-11:] if digits.startswith("86") else digits)

    return _CONTACTS.sub(masked, text)
