"""The appellant's way in: a tracking code and the last four digits of the phone. Wrong tails
for one code are counted per local day across tracking and rating, pages and API; at the limit
the code is locked until the day ends, recorded in the audit trail, and the appellant is told
once by SMS (docs/workorders.md#tracking, docs/adr/0010-throttles.md)."""

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from shanzhi.core.errors import Forbidden, NotFound
from shanzhi.core.notify import Message, notify
from shanzhi.core.services import audit_record
from shanzhi.workorders.models import Appeal, TrackingFailures


def _wrong():
    return NotFound(_("查询码或手机号后四位不正确"))


def _locked():
    return Forbidden(_("该查询码今日尝试次数过多，已锁定至今日24时；如需查询，请拨打12345热线。"))


def tracking_code_normal(code: str) -> str:
    """The code as stored (upper case), or "" when it cannot be one."""
    code = (code or "").strip().upper()
    return code if code.isascii() and code.isalnum() and len(code) <= 16 else ""


def appeal_track(*, code: str, phone_tail: str) -> Appeal:
    """The appeal that this code and phone tail open, for the tracking and rating pages and API.
    A wrong code and a wrong tail give the same 404 and both count against the code; a locked
    code is refused (403) whatever the tail, without saying whether it was right."""
    from shanzhi.workorders.selectors import appeal_for_tracking

    normal = tracking_code_normal(code)
    if not normal:
        raise _wrong()  # never sent to the database, and nothing to count
    today = timezone.localdate()
    if TrackingFailures.objects.filter(code=normal, day=today, locked_at__isnull=False).exists():
        raise _locked()
    try:
        return appeal_for_tracking(normal, phone_tail)
    except NotFound:
        if tracking_failure_count(code=normal, day=today):
            raise _locked() from None
        raise


def tracking_failure_count(*, code: str, day) -> bool:
    """Count one wrong try at `code` on `day`; True when this try locked the code. Exactly one
    process sees the lock happen (a conditional UPDATE), and only it records and tells."""
    with transaction.atomic():
        row, _created = TrackingFailures.objects.get_or_create(code=code, day=day)
        TrackingFailures.objects.filter(pk=row.pk).update(failures=F("failures") + 1)
        now = timezone.now()
        locked = TrackingFailures.objects.filter(
            pk=row.pk, locked_at__isnull=True, failures__gte=settings.TRACKING_FAILURE_LIMIT
        ).update(locked_at=now)
        if not locked:
            return False
        appeal = Appeal.objects.select_related("work_order").filter(tracking_code=code).first()
        if appeal is None:
            return True  # an unknown code locks alike, so a lock tells nothing
        order = appeal.work_order
        failures = TrackingFailures.objects.get(pk=row.pk).failures
        audit_record(
            actor=None,
            action="appeal.tracking_locked",
            object_type="workorder",
            object_id=order.pk,
            after={"appeal": code, "day": day.isoformat(), "failures": failures},
            reason=_("查询码当日错误尝试达到上限，锁定至当日结束"),
        )
        if appeal.appellant_phone:
            notify(
                Message(
                    kind="appeal.tracking_locked",
                    text=_(
                        "您的诉求查询码 %(code)s 今日多次被输入错误的手机号后四位，"
                        "为保护您的信息已锁定至今日24时。如非本人操作，请拨打12345热线。"
                    )
                    % {"code": code},
                    phone=appeal.appellant_phone,
                    object_type="appeal",
                    object_id=code,
                    area_code=order.area_code,
                )
            )
        return True
