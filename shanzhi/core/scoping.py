"""Territory is a code prefix: an object is in a user's scope when its area code starts with one
of the prefixes the user's memberships grant. ALL stands for an unrestricted scope."""

from django.db.models import Q

ALL = ("",)  # the empty prefix matches every code


def prefix_q(field: str, prefixes) -> Q:
    """OR of `field__startswith=p` for each prefix; matches nothing for an empty scope."""
    prefixes = tuple(prefixes)
    if "" in prefixes:
        return Q()
    query = Q(pk__in=[])
    for prefix in _minimal(prefixes):
        query |= Q(**{f"{field}__startswith": prefix})
    return query


def in_scope(code: str, prefixes) -> bool:
    return any(code.startswith(prefix) for prefix in prefixes)


def _minimal(prefixes) -> list[str]:
    """Drop prefixes covered by a shorter one (a county covers its townships)."""
    kept: list[str] = []
    for prefix in sorted(set(prefixes), key=len):
        if not any(prefix.startswith(shorter) for shorter in kept):
            kept.append(prefix)
    return kept
