"""The domain-event registry: declared names only, subscribers run in the publisher's
transaction, and the hotline callbacks reach interop through it (workorders imports no app
above it)."""

import pytest
from django.db import transaction

from shanzhi.core import events


def test_an_undeclared_event_is_an_error_for_publisher_and_subscriber():
    with pytest.raises(events.UnknownEvent):
        events.publish("workorder.signd", order=None, at=None)
    with pytest.raises(events.UnknownEvent):
        events.subscriber("workorder.nothing")(lambda **_: None)


@pytest.mark.django_db
def test_subscribers_run_inside_the_publishers_transaction(monkeypatch):
    seen = []
    monkeypatch.setitem(events._subscribers, "workorder.archived", [])

    @events.subscriber("workorder.archived")
    def record(*, case, at):
        seen.append((case, at, transaction.get_connection().in_atomic_block))

    with transaction.atomic():
        events.publish("workorder.archived", case="O", at="T")
    assert seen == [("O", "T", True)]


def test_the_hotline_callbacks_subscribe_to_every_work_order_event():
    from shanzhi.interop import callbacks

    # the kit publishes "<kind>.<action>" when it saves an action
    assert events.subscribers_of("workorder.sign") == [callbacks._signed]
    assert events.subscribers_of("workorder.reply") == [callbacks._replied]
    assert events.subscribers_of("workorder.archived") == [callbacks._archived]
