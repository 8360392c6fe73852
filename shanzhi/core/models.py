from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shanzhi.core.choices import (
    CalendarDayKind,
    CalendarDaySource,
    DeliveryChannel,
    DeliveryState,
)


class AuditEvent(models.Model):
    """One append-only entry of the audit trail. `hash` is the HMAC-SHA256, with a key kept
    outside the database, of this event's content together with `prev_hash` (plain SHA-256 for
    the events written before the chain was keyed, see `AuditChainHead.keyed_from`), so editing
    or deleting any row breaks the chain that `shanzhi audit-verify` walks, and signed
    checkpoints outside the database reveal a deleted tail. Never updated, never deleted by the
    application."""

    created_at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    actor_label = models.CharField(_("操作人名称"), max_length=150, blank=True)
    action = models.CharField(_("动作"), max_length=64)
    object_type = models.CharField(_("对象类型"), max_length=64)
    object_id = models.CharField(_("对象编号"), max_length=64)
    before = models.JSONField(_("变更前"), null=True, blank=True)
    after = models.JSONField(_("变更后"), null=True, blank=True)
    reason = models.TextField(_("原因"), blank=True)
    request_id = models.CharField(_("请求编号"), max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        indexes = [models.Index(fields=["object_type", "object_id", "id"])]

    def __str__(self):
        return f"#{self.pk} {self.action} {self.object_type}:{self.object_id}"


class AuditChainHead(models.Model):
    """The single row that names the last event of the chain. Appending locks it, which keeps the
    chain linear with many writers, and comparing it with the last event finds a deleted tail.
    `keyed_from` is the first event hashed with the chain key (1 on installations that started
    keyed; the next id on those that were upgraded): events before it are plain SHA-256, and the
    first keyed event covers the last of them. Signed checkpoints repeat it outside the database,
    so moving it up to pass off rewritten events as unkeyed ones is found."""

    last_event_id = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    keyed_from = models.BigIntegerField(default=1)

    class Meta:
        verbose_name = _("审计链头")
        verbose_name_plural = _("审计链头")

    def __str__(self):
        return f"→ {self.last_event_id}"


class CalendarDay(models.Model):
    """A date whose working status differs from the Monday–Friday rule: a statutory holiday on a
    weekday, or a make-up working day (调休) on a weekend. Seeded from `chinese-calendar`;
    administrators add years the package does not know and correct local arrangements."""

    date = models.DateField(_("日期"), primary_key=True)
    kind = models.CharField(_("类型"), max_length=16, choices=CalendarDayKind.choices)
    name = models.CharField(_("名称"), max_length=64, blank=True)
    source = models.CharField(
        _("来源"), max_length=16, choices=CalendarDaySource.choices, default=CalendarDaySource.ADMIN
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("工作日历")
        verbose_name_plural = _("工作日历")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()} {self.name}"


class ApiToken(models.Model):
    """A bearer token for machine clients. Only the SHA-256 of the token is stored; the token
    itself is shown once, when it is created."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE
    )
    name = models.CharField(_("名称"), max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(_("前缀"), max_length=8)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked = models.BooleanField(_("已吊销"), default=False)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self):
        return f"{self.prefix}… ({self.user})"


class PeriodicJob(models.Model):
    """When a periodic task last ran and runs next. A worker enqueues a due job only if its
    conditional UPDATE moved `next_run_at`, so with many workers each run happens once."""

    name = models.CharField(max_length=100, primary_key=True)
    next_run_at = models.DateTimeField()
    last_run_at = models.DateTimeField(_("最近入队"), null=True, blank=True)
    # Recorded by whichever worker ran it, whatever the task backend (/metrics reads these).
    last_success_at = models.DateTimeField(_("最近成功"), null=True, blank=True)
    last_duration = models.FloatField(_("最近用时（秒）"), null=True, blank=True)
    successes = models.PositiveBigIntegerField(_("成功次数"), default=0)

    class Meta:
        verbose_name = _("定时任务")
        verbose_name_plural = _("定时任务")

    def __str__(self):
        return self.name


class WorkerHeartbeat(models.Model):
    """A worker process saying it is alive (every few seconds, from its scheduler thread): how
    /healthz knows background work runs, and how tasks left RUNNING by a killed worker are
    found (`core.worker.tasks_recover`)."""

    worker_id = models.CharField(_("工作进程"), max_length=64, primary_key=True)
    host = models.CharField(_("主机"), max_length=100)
    pid = models.IntegerField(_("进程号"))
    started_at = models.DateTimeField(_("启动时间"))
    seen_at = models.DateTimeField(_("最近心跳"), db_index=True)

    class Meta:
        verbose_name = _("工作进程心跳")
        verbose_name_plural = _("工作进程心跳")
        ordering = ["-seen_at"]

    def __str__(self):
        return self.worker_id


class Delivery(models.Model):
    """One message to send to the outside world (an SMS, a DingTalk robot post, a callback),
    written in the same transaction as the change it reports, so a rolled-back action leaves
    none. The worker claims due rows, posts them, and retries failures with exponential back-off
    until `SHANZHI_DELIVERY_MAX_ATTEMPTS`; then the row is dead until someone retries it.
    Delivery is at least once: receivers recognise a repeat by `X-Shanzhi-Delivery`."""

    channel = models.CharField(_("渠道"), max_length=16, choices=DeliveryChannel.choices)
    # sms: the phone number; dingtalk: the robot ("unit:<id>" or "default"); webhook: the URL.
    target = models.CharField(_("接收方"), max_length=500)
    # The configuration the delivery goes through, e.g. "hotline:3" (a 12345 platform): it
    # signs the request and lets the log be filtered by it.
    route = models.CharField(_("来源配置"), max_length=64, blank=True, db_index=True)
    kind = models.CharField(_("消息类型"), max_length=64)
    payload = models.JSONField(_("内容"))
    object_type = models.CharField(_("对象类型"), max_length=64, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    area_code = models.CharField(_("区域编码"), max_length=15, blank=True, db_index=True)
    state = models.CharField(
        _("状态"), max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("已尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"))
    # A claim: the worker that set `claim` sends the row; past `locked_until` it is presumed
    # dead (the process stopped mid-send) and the attempt counts as failed.
    claim = models.CharField(max_length=32, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    last_status = models.PositiveSmallIntegerField(_("最近响应码"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), db_index=True)
    updated_at = models.DateTimeField(_("更新时间"))
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("消息投递")
        verbose_name_plural = _("消息投递")
        indexes = [
            models.Index(fields=["state", "next_attempt_at"]),
            models.Index(fields=["object_type", "object_id"]),
        ]

    def __str__(self):
        return f"#{self.pk} {self.get_channel_display()} {self.kind}"


class DingTalkRobot(models.Model):
    """The DingTalk group robot of a unit: messages to the unit's staff are posted to its group.
    Units without one use the global robot (SHANZHI_DINGTALK_WEBHOOK), else the log."""

    unit = models.OneToOneField(
        "org.Unit", verbose_name=_("单位"), on_delete=models.CASCADE, related_name="+"
    )
    webhook_url = models.URLField(
        _("Webhook 地址"),
        max_length=500,
        help_text=_(
            "机器人设置中的 Webhook，如 https://oapi.dingtalk.com/robot/send?access_token=…"
        ),
    )
    secret = models.CharField(
        _("加签密钥"), max_length=200, blank=True, help_text=_("机器人安全设置选择“加签”时填写")
    )
    is_active = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("钉钉机器人")
        verbose_name_plural = _("钉钉机器人")

    def __str__(self):
        return str(self.unit)
