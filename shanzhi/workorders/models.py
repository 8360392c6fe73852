from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shanzhi.core.choices import DurationUnit
from shanzhi.org.choices import UnitKind
from shanzhi.territory.choices import RegionLevel
from shanzhi.workorders.choices import (
    AssignmentRole,
    AssignmentState,
    AttachmentKind,
    AttachmentStep,
    AttributeType,
    Channel,
    ExtensionState,
    Nature,
    Rating,
    RatingVia,
    ReplyResult,
    ReturnReason,
    State,
    Supervision,
    Urgency,
)


class Category(models.Model):
    """A node of the three-level category tree (城市管理 › 市容环境 › 占道经营). Appeals are filed
    under leaves; rules may name any node and then cover its whole subtree. `path` holds the codes
    from the root ("01/0101/010101"), so subtree checks are prefix matches."""

    code = models.CharField(_("编码"), max_length=16, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级分类"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=64, editable=False, db_index=True)
    depth = models.PositiveSmallIntegerField(editable=False, default=1)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    keywords = models.CharField(_("关键词"), max_length=200, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    sort = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("事项分类")
        verbose_name_plural = _("事项分类")
        ordering = ["path"]

    def __str__(self):
        return self.name


class ServiceAttribute(models.Model):
    """A question asked of appeals in one category (Open311's service-definition attributes):
    e.g. how deep the water stands for 排水不畅. Answers are kept on the appeal."""

    category = models.ForeignKey(
        Category, verbose_name=_("事项分类"), on_delete=models.CASCADE, related_name="attributes"
    )
    code = models.SlugField(_("编码"), max_length=50)
    datatype = models.CharField(_("类型"), max_length=16, choices=AttributeType.choices)
    required = models.BooleanField(_("必填"), default=False)
    description = models.CharField(_("问题"), max_length=200)
    datatype_description = models.CharField(_("填写说明"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("顺序"), default=1)
    values = models.JSONField(
        _("选项"),
        default=list,
        blank=True,
        help_text=_('单选/多选的选项，如 [{"key": "ankle", "name": "没过脚踝"}]'),
    )

    class Meta:
        verbose_name = _("补充信息项")
        verbose_name_plural = _("补充信息项")
        ordering = ["category_id", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="attribute_code_unique")
        ]

    def __str__(self):
        return f"{self.category} · {self.description}"


class DeadlineRule(models.Model):
    """Time limits of a stage: sign-for and handling, each in working days, natural days or hours,
    plus the share of the handling time after which a warning is raised. Empty keys match
    everything; the matching rule with the highest priority wins, then the most specific."""

    category = models.ForeignKey(
        Category, verbose_name=_("事项分类"), null=True, blank=True, on_delete=models.CASCADE
    )
    nature = models.CharField(_("诉求性质"), max_length=16, choices=Nature.choices, blank=True)
    urgency = models.CharField(_("紧急程度"), max_length=16, choices=Urgency.choices, blank=True)
    level = models.CharField(_("承办层级"), max_length=16, choices=RegionLevel.choices, blank=True)
    priority = models.SmallIntegerField(_("优先级"), default=0)
    sign_amount = models.DecimalField(_("签收时限"), max_digits=6, decimal_places=2)
    sign_unit = models.CharField(_("签收时限单位"), max_length=16, choices=DurationUnit.choices)
    handle_amount = models.DecimalField(_("办结时限"), max_digits=6, decimal_places=2)
    handle_unit = models.CharField(_("办结时限单位"), max_length=16, choices=DurationUnit.choices)
    warn_ratio = models.DecimalField(
        _("预警点"),
        max_digits=3,
        decimal_places=2,
        default=0.75,
        help_text=_("已用时限达到该比例时预警，如 0.75"),
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("时限规则")
        verbose_name_plural = _("时限规则")
        ordering = ["-priority", "id"]

    def __str__(self):
        return self.note or f"#{self.pk}"


class DispatchRule(models.Model):
    """Which unit should handle a category of matter in a territory. The lead unit is either a
    named unit or "the unit of this kind at this level where the matter is" (属地), e.g. the
    village committee of the appeal's village. Proposals are offered lowest level first."""

    category = models.ForeignKey(Category, verbose_name=_("事项分类"), on_delete=models.CASCADE)
    region = models.ForeignKey(
        "territory.Region",
        verbose_name=_("适用区域"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text=_("留空表示全部区域"),
    )
    lead_unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("主办单位"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    lead_kind = models.CharField(
        _("属地单位类型"), max_length=32, choices=UnitKind.choices, blank=True
    )
    lead_level = models.CharField(
        _("属地单位层级"), max_length=16, choices=RegionLevel.choices, blank=True
    )
    co_units = models.ManyToManyField(
        "org.Unit", verbose_name=_("协办单位"), blank=True, related_name="+"
    )
    order = models.SmallIntegerField(_("顺序"), default=0)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("派单规则")
        verbose_name_plural = _("派单规则")
        ordering = ["order", "id"]

    def __str__(self):
        return self.note or f"#{self.pk}"


class WorkOrder(models.Model):
    """The case the system drives to closure. Deadlines are computed by the services that change
    their inputs and stored; `version` grows with every action."""

    code = models.CharField(_("工单编号"), max_length=20, unique=True)
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, db_index=True)
    nature = models.CharField(_("诉求性质"), max_length=16, choices=Nature.choices)
    category = models.ForeignKey(Category, verbose_name=_("事项分类"), on_delete=models.PROTECT)
    urgency = models.CharField(_("紧急程度"), max_length=16, choices=Urgency.choices)
    channel = models.CharField(_("来源渠道"), max_length=16, choices=Channel.choices)
    title = models.CharField(_("标题"), max_length=200)
    content = models.TextField(_("内容"))
    area_code = models.CharField(_("区域编码"), max_length=15, db_index=True)
    region = models.ForeignKey(
        "territory.Region", verbose_name=_("所属区域"), on_delete=models.PROTECT, related_name="+"
    )
    grid = models.ForeignKey(
        "territory.Grid",
        verbose_name=_("网格"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    dispatch_unit = models.ForeignKey(
        "org.Unit", verbose_name=_("分拨单位"), on_delete=models.PROTECT, related_name="+"
    )
    lead_unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("主办单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    supervision = models.CharField(
        _("督办"), max_length=8, choices=Supervision.choices, blank=True, default=""
    )
    registered_at = models.DateTimeField(_("受理时间"), db_index=True)
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    replied_at = models.DateTimeField(_("回复时间"), null=True, blank=True)
    verified_at = models.DateTimeField(_("核查时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("归档时间"), null=True, blank=True)
    sign_deadline = models.DateTimeField(_("签收期限"), null=True, blank=True, db_index=True)
    handle_deadline = models.DateTimeField(_("办结期限"), null=True, blank=True, db_index=True)
    warn_at = models.DateTimeField(_("预警时间"), null=True, blank=True, db_index=True)
    remind_at = models.DateTimeField(_("催办时间"), null=True, blank=True, db_index=True)
    is_warned = models.BooleanField(_("已预警"), default=False)
    is_sign_overdue = models.BooleanField(_("签收超期"), default=False)
    is_overdue = models.BooleanField(_("办理超期"), default=False)
    reminded_at = models.DateTimeField(_("已催办"), null=True, blank=True)
    suspended_at = models.DateTimeField(_("挂起时间"), null=True, blank=True)
    suspended_from = models.CharField(max_length=20, choices=State.choices, blank=True)
    # The units the limits were set in: resuming after a suspension gives back working time
    # for working-day limits and natural time for the others.
    sign_limit_unit = models.CharField(max_length=16, choices=DurationUnit.choices, blank=True)
    handle_limit_unit = models.CharField(max_length=16, choices=DurationUnit.choices, blank=True)
    extension_days = models.PositiveSmallIntegerField(_("已批延期(工作日)"), default=0)
    reply_result = models.CharField(
        _("办理结果"), max_length=16, choices=ReplyResult.choices, blank=True
    )
    reply_text = models.TextField(_("答复内容"), blank=True)
    answered_directly = models.BooleanField(_("直办"), default=False)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("并入工单"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_orders",
    )
    returns_count = models.PositiveSmallIntegerField(_("退单次数"), default=0)
    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    escalations_count = models.PositiveSmallIntegerField(_("上报次数"), default=0)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("工单")
        verbose_name_plural = _("工单")
        indexes = [
            # An inbox's page: the orders of a state and unit, newest first, read in index
            # order and stopped after one page (scanned backwards for the descending order).
            models.Index(
                fields=["state", "dispatch_unit", "registered_at", "id"],
                name="order_state_dispatch",
            ),
            models.Index(
                fields=["state", "lead_unit", "registered_at", "id"], name="order_state_lead"
            ),
            models.Index(fields=["-registered_at", "-id"]),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"


class Appeal(models.Model):
    """What one person raised, through one channel. It belongs to one work order; duplicates
    merged by a dispatcher point at the surviving order, and every appellant gets the answer."""

    tracking_code = models.CharField(_("查询码"), max_length=16, unique=True)
    work_order = models.ForeignKey(
        WorkOrder, verbose_name=_("工单"), on_delete=models.PROTECT, related_name="appeals"
    )
    is_primary = models.BooleanField(_("首件"), default=True)
    channel = models.CharField(_("来源渠道"), max_length=16, choices=Channel.choices)
    nature = models.CharField(_("诉求性质"), max_length=16, choices=Nature.choices)
    category = models.ForeignKey(Category, verbose_name=_("事项分类"), on_delete=models.PROTECT)
    urgency = models.CharField(_("紧急程度"), max_length=16, choices=Urgency.choices)
    title = models.CharField(_("标题"), max_length=200)
    content = models.TextField(_("内容"))
    occurred_at = models.DateTimeField(_("发生时间"), null=True, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    area_code = models.CharField(_("区域编码"), max_length=15, db_index=True)
    people_involved = models.PositiveIntegerField(_("涉及人数"), null=True, blank=True)
    amount_involved = models.DecimalField(
        _("涉及金额(元)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    appellant_name = models.CharField(_("诉求人"), max_length=50, blank=True)
    appellant_phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    # The phone as digits (core.privacy.phone_key), indexed: an operator finds a caller's appeals
    # by the full number, which the screens only show masked.
    phone_key = models.CharField(
        _("电话检索键"), max_length=20, blank=True, default="", db_default="", db_index=True
    )
    anonymous = models.BooleanField(_("匿名"), default=False)
    confidential = models.BooleanField(_("诉求保密"), default=False)
    publishable = models.BooleanField(_("同意公开"), default=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    idempotency_key = models.CharField(max_length=128, blank=True)
    # SHA-256 of what was asked with the key: the same key with a different request is refused.
    idempotency_fingerprint = models.CharField(max_length=64, blank=True)
    attributes = models.JSONField(_("补充信息"), default=dict, blank=True)
    # A picture or video the appellant's client hosts (Open311 media_url); kept as a link.
    media_url = models.URLField(_("媒体链接"), max_length=500, blank=True)
    rating = models.CharField(_("评价"), max_length=16, choices=Rating.choices, blank=True)
    rating_comment = models.TextField(_("评价意见"), blank=True)
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    rated_via = models.CharField(
        _("评价方式"), max_length=16, choices=RatingVia.choices, blank=True
    )
    created_at = models.DateTimeField(_("登记时间"), db_index=True)

    class Meta:
        verbose_name = _("诉求")
        verbose_name_plural = _("诉求")
        constraints = [
            models.UniqueConstraint(
                fields=["submitted_by", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="appeal_idempotency_key_unique",
            )
        ]

    def __str__(self):
        return f"{self.tracking_code} {self.title}"


class Assignment(models.Model):
    """A unit's part in a work order: lead (主办) or co (协办), with its own progress. Kept after
    a return or re-dispatch so that every unit that touched the order can see its history."""

    work_order = models.ForeignKey(
        WorkOrder, verbose_name=_("工单"), on_delete=models.CASCADE, related_name="assignments"
    )
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="assignments"
    )
    role = models.CharField(_("角色"), max_length=8, choices=AssignmentRole.choices)
    state = models.CharField(_("状态"), max_length=16, choices=AssignmentState.choices)
    assigned_at = models.DateTimeField(_("派单时间"))
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    # Recorded when the unit signs (the order's sign-for deadline moves on with later
    # dispatches); 及时签收率 counts these.
    signed_in_time = models.BooleanField(_("按时签收"), null=True, blank=True)
    replied_at = models.DateTimeField(_("回复时间"), null=True, blank=True)
    reply_text = models.TextField(_("回复意见"), blank=True)
    return_reason = models.CharField(
        _("退单理由"), max_length=24, choices=ReturnReason.choices, blank=True
    )

    class Meta:
        verbose_name = _("承办记录")
        verbose_name_plural = _("承办记录")
        indexes = [models.Index(fields=["unit", "state"])]

    def __str__(self):
        return f"{self.work_order.code} · {self.unit} · {self.get_role_display()}"


class ExtensionRequest(models.Model):
    """A handling unit's request for more time, decided by the dispatching level."""

    work_order = models.ForeignKey(
        WorkOrder, verbose_name=_("工单"), on_delete=models.CASCADE, related_name="extensions"
    )
    unit = models.ForeignKey("org.Unit", verbose_name=_("申请单位"), on_delete=models.PROTECT)
    days = models.PositiveSmallIntegerField(_("申请延期(工作日)"))
    reason = models.TextField(_("理由"))
    state = models.CharField(_("状态"), max_length=16, choices=ExtensionState.choices)
    requested_at = models.DateTimeField(_("申请时间"))
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")

    def __str__(self):
        return f"{self.work_order.code} +{self.days}"


class Attachment(models.Model):
    """A photo, recording, video or document of an appeal or of a handling step. Files live under
    the data directory and are served only through a view that checks who asks."""

    work_order = models.ForeignKey(
        WorkOrder, verbose_name=_("工单"), on_delete=models.CASCADE, related_name="attachments"
    )
    appeal = models.ForeignKey(
        Appeal, verbose_name=_("诉求"), null=True, blank=True, on_delete=models.CASCADE
    )
    kind = models.CharField(_("类型"), max_length=16, choices=AttachmentKind.choices)
    step = models.CharField(
        _("环节"), max_length=16, choices=AttachmentStep.choices, default=AttachmentStep.APPEAL
    )
    # A reply's file the lead unit chose to show the appellants on the tracking page (an
    # appeal's own files are never shown there: they may show people and addresses).
    public = models.BooleanField(_("向群众公开"), default=False)
    file = models.FileField(_("文件"), upload_to="attachments/%Y/%m/")
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    original_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("上传时间"))

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self):
        return self.original_name or self.file.name


class TrackingFailures(models.Model):
    """Wrong phone tails (and unknown codes) given for one tracking code on one local day, on
    the tracking and rating pages and API together. At SHANZHI_TRACKING_FAILURE_LIMIT the code is
    locked until the day ends, even for the right tail (docs/workorders.md#tracking). Unknown
    codes are counted too, so that a lock says nothing about whether a code exists."""

    code = models.CharField(_("查询码"), max_length=16)
    day = models.DateField(_("日期"))
    failures = models.PositiveIntegerField(_("错误次数"), default=0)
    locked_at = models.DateTimeField(_("锁定时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("查询失败记录")
        verbose_name_plural = _("查询失败记录")
        constraints = [
            models.UniqueConstraint(fields=["code", "day"], name="tracking_failures_code_day")
        ]

    def __str__(self):
        return f"{self.code} {self.day} ×{self.failures}"
