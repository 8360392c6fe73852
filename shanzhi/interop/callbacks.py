"""Status callbacks to 12345 platforms: on 签收, 回复 and 办结 of a work order that came from a
platform, `hotline_status_changed` runs inside the change's transaction (it subscribes to the
work-order events: the kit's "workorder.sign" and "workorder.reply", and "workorder.archived";
core/events.py); it writes one outbox row per platform appeal of the order,
and the worker posts it (docs/integration.md)."""

import datetime

from django.utils import timezone

from shanzhi.core import events
from shanzhi.core.choices import DeliveryChannel
from shanzhi.core.outbox import Outgoing, enqueue
from shanzhi.interop.choices import HotlineStatus
from shanzhi.interop.models import HotlineOrder, HotlinePlatform
from shanzhi.workorders.case import WORKORDER
from shanzhi.workorders.choices import Action


def platform_secret(key: str) -> str:
    """The secret that signs the callbacks of route "hotline:<key>"."""
    if not key.isdigit():
        return ""
    return HotlinePlatform.objects.filter(pk=key).values_list("secret", flat=True).first() or ""


def callback_body(link: HotlineOrder, order, status: str, at: datetime.datetime) -> dict:
    """What the platform receives (documented in docs/integration.md)."""
    body = {
        "event": "hotline.status",
        "order_no": link.external_no,
        "work_order_code": order.code,
        "tracking_code": link.appeal.tracking_code,
        "status": status,
        "status_label": str(HotlineStatus(status).label),
        "at": timezone.localtime(at).isoformat(timespec="seconds"),
        "unit": order.lead_unit.name if order.lead_unit_id else "",
    }
    if status in (HotlineStatus.REPLIED, HotlineStatus.CLOSED):
        body["result"] = order.reply_result
        body["reply"] = order.reply_text
    if status == HotlineStatus.CLOSED:
        body["rating"] = link.appeal.rating
    return body


def hotline_status_changed(order, status: str, *, at: datetime.datetime | None = None) -> None:
    """Queue a callback to every active platform with a callback URL whose appeal belongs to the
    order (merged duplicates included). Call it in the transaction of the change."""
    links = list(
        HotlineOrder.objects.filter(appeal__work_order_id=order.pk, platform__is_active=True)
        .exclude(platform__callback_url="")
        .select_related("platform", "appeal")
    )
    if not links:
        return
    at = at or timezone.now()
    enqueue(
        [
            Outgoing(
                channel=DeliveryChannel.WEBHOOK,
                target=link.platform.callback_url,
                route=link.platform.route,
                kind=f"hotline.{status}",
                payload=callback_body(link, order, status, at),
                object_type="hotline_order",
                object_id=str(link.pk),
                area_code=order.area_code,
            )
            for link in links
        ]
    )


@events.subscriber(WORKORDER.event(Action.SIGN))
def _signed(*, case, actor, at):
    hotline_status_changed(case, HotlineStatus.SIGNED, at=at)


@events.subscriber(WORKORDER.event(Action.REPLY))
def _replied(*, case, actor, at):
    hotline_status_changed(case, HotlineStatus.REPLIED, at=at)


@events.subscriber("workorder.archived")
def _archived(*, case, at):
    hotline_status_changed(case, HotlineStatus.CLOSED, at=at)
