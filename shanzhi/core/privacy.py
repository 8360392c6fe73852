"""Masking of personal data (PIPL): lists and exports show masked values; full values only to an
entitled viewer on a detail page, and such views are logged by the caller."""

import re


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
