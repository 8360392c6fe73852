"""Status callbacks to 12345 platforms: on 签收, 回复 and 办结 of a work order that came from a
platform, `hotline_status_changed` runs inside the change's transaction (it subscribes to the
work-order events: the kit's "workorder.sign" and "workorder.reply", and "workorder.archived";
core/events.py); it writes one outbox row per platform appeal of the order,
and the worker posts it (docs/integration.md).

Courts hear the same way about the disputes they referred: 分派, 调解成功, 调解不成 and 转出
(`court_status_changed`, subscribed to the mediation events)."""

import datetime

from django.utils import timezone

from shanzhi.core import events
from shanzhi.core.choices import DeliveryChannel
from shanzhi.core.outbox import Outgoing, enqueue
from shanzhi.interop.choices import CourtStatus, HotlineStatus
from shanzhi.interop.models import Court, CourtReferral, HotlineOrder, HotlinePlatform
from shanzhi.mediation.case import MEDIATION
from shanzhi.mediation.choices import Action as MediationAction
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


# -- courts ---------------------------------------------------------------------------------


def court_secret(key: str) -> str:
    """The secret that signs the callbacks of route "court:<key>"."""
    if not key.isdigit():
        return ""
    return Court.objects.filter(pk=key).values_list("secret", flat=True).first() or ""


def court_callback_body(referral: CourtReferral, case, status: str, at) -> dict:
    """What the court receives (documented in docs/integration.md)."""
    body = {
        "event": "mediation.status",
        "case_number": referral.case_number,
        "code": case.code,
        "status": status,
        "status_label": str(CourtStatus(status).label),
        "at": timezone.localtime(at).isoformat(timespec="seconds"),
        "org": (case.lead_unit or case.dispatch_unit).name,
        "mediator": case.mediator.name if case.mediator_id else "",
    }
    if status == CourtStatus.AGREED:
        body["agreement"] = case.agreement
    if status in (CourtStatus.FAILED, CourtStatus.REFERRED):
        body["reason"] = case.outcome_reason
        body["target"] = case.referral_target
    return body


def court_status_changed(case, status: str, *, at: datetime.datetime | None = None) -> None:
    """Queue a callback to the court that referred the case, if it has a callback URL. Call it
    in the transaction of the change."""
    referral = (
        CourtReferral.objects.filter(case_id=case.pk, court__is_active=True)
        .exclude(court__callback_url="")
        .select_related("court")
        .first()
    )
    if referral is None:
        return
    at = at or timezone.now()
    enqueue(
        [
            Outgoing(
                channel=DeliveryChannel.WEBHOOK,
                target=referral.court.callback_url,
                route=referral.court.route,
                kind=f"court.{status}",
                payload=court_callback_body(referral, case, status, at),
                object_type="court_referral",
                object_id=str(referral.pk),
                area_code=case.area_code,
            )
        ]
    )


@events.subscriber(MEDIATION.event(MediationAction.ASSIGN))
def _dispute_assigned(*, case, actor, at):
    court_status_changed(case, CourtStatus.ASSIGNED, at=at)


@events.subscriber(MEDIATION.event(MediationAction.AGREE))
def _dispute_agreed(*, case, actor, at):
    court_status_changed(case, CourtStatus.AGREED, at=at)


@events.subscriber(MEDIATION.event(MediationAction.FAIL))
def _dispute_failed(*, case, actor, at):
    court_status_changed(case, CourtStatus.FAILED, at=at)


@events.subscriber(MEDIATION.event(MediationAction.REFER_OUT))
def _dispute_referred(*, case, actor, at):
    court_status_changed(case, CourtStatus.REFERRED, at=at)
