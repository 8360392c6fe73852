"""Object ids as clients send them: a number the database can hold, or nothing.

Ids are 64-bit (BigAutoField). A larger number sent in a path, a query or a body must be
"not found" or "invalid", never an OverflowError from the database driver (a 500)."""

MAX_ID = 2**63 - 1


def parse_id(value) -> int | None:
    """The id, or None when `value` is not a whole number in 1 … 2⁶³−1."""
    if isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if 1 <= number <= MAX_ID else None
