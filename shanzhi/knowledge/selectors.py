"""Reads of the knowledge base: the entries valid today that match what the operator typed, and
the entry a 直办 answer cites."""

import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shanzhi.core.errors import InvalidInput
from shanzhi.knowledge.models import Entry

SEARCH_LIMIT = 10


def _valid_on(day: datetime.date) -> Q:
    return (
        Q(is_active=True)
        & (Q(valid_from__isnull=True) | Q(valid_from__lte=day))
        & (Q(valid_to__isnull=True) | Q(valid_to__gte=day))
    )


def entries_search(text: str, *, today: datetime.date | None = None) -> list[Entry]:
    """Entries valid today whose question, answer or category hold every word typed (at most
    SEARCH_LIMIT, questions first); nothing for an empty search."""
    words = (text or "").split()[:5]
    if not words:
        return []
    found = Entry.objects.filter(_valid_on(today or timezone.localdate()))
    for word in words:
        found = found.filter(
            Q(question__icontains=word) | Q(answer__icontains=word) | Q(category__icontains=word)
        )
    return list(found.order_by("category", "question")[:SEARCH_LIMIT])


def entry_citable(entry_id, *, today: datetime.date | None = None) -> Entry:
    """The entry a 直办 answer cites: it must exist and be valid today."""
    entry = Entry.objects.filter(_valid_on(today or timezone.localdate()), pk=entry_id).first()
    if entry is None:
        raise InvalidInput(_("引用的知识库条目不存在或已失效"), "entry")
    return entry
