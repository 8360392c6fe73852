"""Pages of long lists without counting all of history: a console over ten million work orders
must not COUNT(*) them on every page view."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    """Counts at most COUNT_CAP + 1 rows; `capped` tells the page to say "more than …" and
    invite a filter. Pages beyond the cap are not offered."""

    @cached_property
    def _found(self) -> int:
        return self.object_list.order_by()[: COUNT_CAP + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self._found, COUNT_CAP)

    @property
    def capped(self) -> bool:
        return self._found > COUNT_CAP
