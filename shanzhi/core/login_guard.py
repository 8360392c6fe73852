"""The audit side of the login throttle (django-axes, docs/adr/0010-throttles.md): a lockout
and its release are events in the audit trail, whoever or whatever lifts it (the admin's
访问尝试 page, `shanzhi manage axes_reset…`, or the cool-off running out)."""

from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from shanzhi.core.services import audit_record


@receiver(user_locked_out)
def audit_lockout(sender, request, username, ip_address, **kwargs):
    """Axes signals every refused try while locked; the one that reached the limit is recorded."""
    failures = getattr(request, "axes_failures_since_start", None)
    if failures != settings.AXES_FAILURE_LIMIT:
        return
    audit_record(
        actor=None,
        action="auth.locked_out",
        object_type="login",
        object_id=(username or "")[:64],
        after={"username": username or "", "ip_address": ip_address, "failures": failures},
        reason=_("连续登录失败达到上限，已锁定"),
    )


@receiver(post_delete, sender=AccessAttempt)
def audit_release(sender, instance: AccessAttempt, **kwargs):
    """A deleted attempt that held a lockout releases it."""
    if instance.failures_since_start < settings.AXES_FAILURE_LIMIT:
        return
    expired = instance.attempt_time <= timezone.now() - settings.AXES_COOLOFF_TIME
    audit_record(
        actor=None,
        action="auth.lockout_released",
        object_type="login",
        object_id=(instance.username or "")[:64],
        before={
            "username": instance.username or "",
            "ip_address": instance.ip_address,
            "failures": instance.failures_since_start,
        },
        reason=_("冷却期满，自动解除") if expired else _("管理员解除登录锁定"),
    )
