"""The dispute-mediation centre: dispute types, the roster (organisations and mediators), and the
dispute case with its parties. A case is a kind of case of the kit (`mediation/case.py`)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shanzhi.mediation.choices import (
    ConfirmationState,
    ConfirmVia,
    DisputeSource,
    DisputeState,
    Fulfilment,
    MediationLevel,
    OrgKind,
    PartyKind,
    PartyRole,
    ReferralTarget,
    SessionKind,
    SessionState,
)


class DisputeType(models.Model):
    """婚姻家庭, 邻里, 宅基地/土地承包 …: a tree administrators edit. The mediation period is in
    working days (default 30)."""

    code = models.CharField(_("编码"), max_length=16, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级类型"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    mediation_days = models.PositiveSmallIntegerField(_("调解期限（工作日）"), default=30)
    # The work-order categories whose appeals may be referred to mediation as this type (转调解):
    # a category covers its subtree.
    categories = models.ManyToManyField(
        "workorders.Category",
        verbose_name=_("对应工单分类"),
        blank=True,
        related_name="dispute_types",
        help_text=_("这些事项分类（含下级）的工单可以转调解，并默认为本纠纷类型"),
    )
    sort = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("纠纷类型")
        verbose_name_plural = _("纠纷类型")
        ordering = ["sort", "code"]

    def __str__(self):
        return self.name


class MediationOrg(models.Model):
    """A mediation organisation: the profile of a unit of kind 调解组织. Who works in it is a
    membership of that unit with the role 调解员 (org app); its jurisdiction is the unit's
    region."""

    unit = models.OneToOneField(
        "org.Unit",
        verbose_name=_("单位"),
        primary_key=True,
        on_delete=models.PROTECT,
        related_name="mediation_org",
    )
    kind = models.CharField(_("组织类型"), max_length=32, choices=OrgKind.choices)
    level = models.CharField(_("层级"), max_length=16, choices=MediationLevel.choices)
    specialities = models.ManyToManyField(
        DisputeType, verbose_name=_("擅长类型"), blank=True, related_name="orgs"
    )
    # Where a case that outgrows this organisation goes (上报): the township committee of a
    # village committee, the county centre of a township committee.
    escalates_to = models.ForeignKey(
        "self",
        verbose_name=_("上报至"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="escalated_from",
    )

    class Meta:
        verbose_name = _("调解组织")
        verbose_name_plural = _("调解组织")

    def __str__(self):
        return self.unit.name


class Mediator(models.Model):
    """A mediator of the roster (调解员名册). Not every mediator has an account: the 老娘舅 of a
    village committee may be assigned by the centre without ever signing in."""

    org = models.ForeignKey(
        MediationOrg,
        verbose_name=_("所属组织"),
        on_delete=models.PROTECT,
        related_name="mediators",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mediator",
    )
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    specialities = models.ManyToManyField(
        DisputeType, verbose_name=_("擅长类型"), blank=True, related_name="mediators"
    )
    area = models.ForeignKey(
        "territory.Region",
        verbose_name=_("服务区域"),
        on_delete=models.PROTECT,
        related_name="mediators",
    )
    certificate = models.CharField(_("资格证书"), max_length=100, blank=True)
    is_available = models.BooleanField(_("可接案"), default=True)

    class Meta:
        verbose_name = _("调解员")
        verbose_name_plural = _("调解员")
        ordering = ["org_id", "name"]

    def __str__(self):
        return self.name


class DisputeCase(models.Model):
    """One dispute, one code from intake to closure (一窗受理、一事一编码).

    `dispatch_unit` is the organisation that assigns it (the one that took it in, or the one it
    was escalated to); `lead_unit` the organisation whose mediator handles it. Both are units, so
    the memberships of `org.access.Actor` say who may act."""

    code = models.CharField(_("案件编号"), max_length=20, unique=True)
    source = models.CharField(_("来源"), max_length=16, choices=DisputeSource.choices)
    dispute_type = models.ForeignKey(
        DisputeType, verbose_name=_("纠纷类型"), on_delete=models.PROTECT, related_name="cases"
    )
    title = models.CharField(_("纠纷简述"), max_length=200)
    facts = models.TextField(_("纠纷事实"), max_length=4000)
    request = models.TextField(_("申请事项"), max_length=2000, blank=True)
    amount = models.DecimalField(
        _("涉及金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    people_involved = models.PositiveIntegerField(_("涉及人数"), default=2)
    is_major = models.BooleanField(_("重大疑难"), default=False)
    is_group = models.BooleanField(_("群体性"), default=False)
    region = models.ForeignKey(
        "territory.Region", verbose_name=_("所在区域"), on_delete=models.PROTECT, related_name="+"
    )
    grid = models.ForeignKey(
        "territory.Grid",
        verbose_name=_("网格"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    address = models.CharField(_("地点"), max_length=200, blank=True)
    area_code = models.CharField(_("区域编码"), max_length=12, db_index=True)
    level = models.CharField(_("调解层级"), max_length=16, choices=MediationLevel.choices)
    dispatch_unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("分派组织"),
        on_delete=models.PROTECT,
        related_name="mediation_dispatched",
    )
    lead_unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("承办组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mediation_led",
    )
    mediator = models.ForeignKey(
        Mediator,
        verbose_name=_("调解员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    state = models.CharField(
        _("状态"),
        max_length=16,
        choices=DisputeState.choices,
        default=DisputeState.PENDING,
        db_index=True,
    )
    version = models.PositiveIntegerField(_("版本"), default=1)
    registered_at = models.DateTimeField(_("受理时间"))
    assigned_at = models.DateTimeField(_("分派时间"), null=True, blank=True)
    due_at = models.DateTimeField(_("调解期限"), db_index=True)
    warned_at = models.DateTimeField(_("预警时间"), null=True, blank=True)
    # 中止: the period stands still while both parties agreed to pause (a medical appraisal, a
    # party in hospital); resuming moves the deadline by the working time it stood still.
    suspended_at = models.DateTimeField(_("中止时间"), null=True, blank=True)
    is_overdue = models.BooleanField(_("已超期"), default=False)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    agreement = models.TextField(_("协议内容"), max_length=8000, blank=True)
    outcome_reason = models.TextField(_("结案说明"), max_length=2000, blank=True)
    referral_target = models.CharField(
        _("转出去向"), max_length=16, choices=ReferralTarget.choices, blank=True
    )
    # The parties' rating of the mediation, once, after the case is closed (满意率); the same
    # three grades as appeals.
    rating = models.CharField(_("当事人评价"), max_length=16, blank=True)
    rating_comment = models.CharField(_("评价意见"), max_length=1000, blank=True)
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    # The days the applicant had to come in person (the window's intake, sessions held in a
    # room): 0 is 零跑 (online throughout), 1 is 一次跑. Kept by the services.
    visits = models.PositiveSmallIntegerField(_("到场次数"), default=0)
    # 司法确认: by when the parties may apply (30 days from the agreement, on the calendar of
    # civil procedure), and when they were reminded that the window is closing.
    confirm_due_at = models.DateTimeField(
        _("司法确认申请期限"), null=True, blank=True, db_index=True
    )
    confirm_reminded_at = models.DateTimeField(_("司法确认提醒时间"), null=True, blank=True)
    # 转调解: the work order this dispute came from; its reply is the mediation's outcome.
    work_order = models.OneToOneField(
        "workorders.WorkOrder",
        verbose_name=_("来源工单"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dispute",
    )
    # 履行回访: when the agreement's fulfilment is due to be asked about (none once it was
    # kept, so that the inbox reads only the agreements still to ask about), and what was found.
    follow_up_due_at = models.DateTimeField(_("履行回访日期"), null=True, blank=True, db_index=True)
    fulfilment = models.CharField(
        _("履行情况"), max_length=16, choices=Fulfilment.choices, blank=True
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("受理人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("调解案件")
        verbose_name_plural = _("调解案件")
        ordering = ["-registered_at", "-pk"]
        indexes = [
            models.Index(fields=["state", "area_code"], name="mediation_state_area"),
            # The lists, newest first; the inboxes' deadlines among the open cases.
            models.Index(fields=["-registered_at", "-id"], name="mediation_newest"),
            models.Index(fields=["state", "due_at"], name="mediation_state_due"),
        ]

    def __str__(self):
        return self.code


class Party(models.Model):
    """An applicant, a respondent or an agent. Name, ID number and phone are shown masked except
    to the case's own mediation staff, and every unmasked view is logged."""

    case = models.ForeignKey(
        DisputeCase, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="parties"
    )
    role = models.CharField(_("身份"), max_length=16, choices=PartyRole.choices)
    kind = models.CharField(
        _("类别"), max_length=16, choices=PartyKind.choices, default=PartyKind.PERSON
    )
    name = models.CharField(_("姓名或名称"), max_length=100)
    id_number = models.CharField(_("证件号码"), max_length=32, blank=True)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    address = models.CharField(_("住址"), max_length=200, blank=True)
    # The party's confirmation of the agreement: signed on the spot, or online with the code
    # sent to their phone when the agreement was recorded (kept as a keyed hash).
    confirmed_at = models.DateTimeField(_("协议确认时间"), null=True, blank=True)
    confirmed_via = models.CharField(
        _("确认方式"), max_length=16, choices=ConfirmVia.choices, blank=True
    )
    confirm_code_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("当事人")
        verbose_name_plural = _("当事人")
        ordering = ["pk"]

    def __str__(self):
        return self.name


class MediationSession(models.Model):
    """A mediation session (调解会): in a room (说事室) or by video, both parties told by SMS when
    it is scheduled; afterwards who came, the minutes (笔录) and what came of it."""

    case = models.ForeignKey(
        DisputeCase, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="sessions"
    )
    kind = models.CharField(_("方式"), max_length=16, choices=SessionKind.choices)
    starts_at = models.DateTimeField(_("时间"), db_index=True)
    place = models.CharField(_("地点或视频链接"), max_length=300)
    state = models.CharField(
        _("状态"), max_length=16, choices=SessionState.choices, default=SessionState.SCHEDULED
    )
    attendance = models.CharField(_("到场情况"), max_length=500, blank=True)
    minutes = models.TextField(_("调解笔录"), max_length=8000, blank=True)
    outcome = models.CharField(_("本次结果"), max_length=500, blank=True)
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("安排人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("调解会")
        verbose_name_plural = _("调解会")
        ordering = ["starts_at", "pk"]

    def __str__(self):
        return f"{self.case.code} {self.starts_at:%Y-%m-%d %H:%M}"


class Consultation(models.Model):
    """A 3+X joint consultation (会商研判) on a major or group dispute: a judge, the chief
    mediator and a legal-aid lawyer, plus the departments concerned; the plan agreed and who
    does what."""

    case = models.ForeignKey(
        DisputeCase, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="consultations"
    )
    held_at = models.DateTimeField(_("会商时间"))
    participants = models.TextField(_("参会人员"), max_length=2000)
    plan = models.TextField(_("化解方案"), max_length=4000)
    tasks = models.TextField(_("责任分工"), max_length=4000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("会商研判")
        verbose_name_plural = _("会商研判")
        ordering = ["held_at", "pk"]

    def __str__(self):
        return f"{self.case.code} {self.held_at:%Y-%m-%d}"


class JudicialConfirmation(models.Model):
    """司法确认 of a case's agreement: the joint application to a court (within 30 days of the
    agreement), the court's decision to accept it (within 3 days), and its ruling. Recorded by
    the case's mediation staff from the court's notices."""

    case = models.OneToOneField(
        DisputeCase,
        verbose_name=_("案件"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="confirmation",
    )
    court = models.CharField(_("受理法院"), max_length=100)
    applied_on = models.DateField(_("申请日期"))
    accept_due_at = models.DateTimeField(_("受理期限"))
    state = models.CharField(
        _("状态"),
        max_length=16,
        choices=ConfirmationState.choices,
        default=ConfirmationState.APPLIED,
        db_index=True,
    )
    is_accept_late = models.BooleanField(_("法院受理超期"), default=False)
    accepted_on = models.DateField(_("受理决定日期"), null=True, blank=True)
    ruled_on = models.DateField(_("裁定日期"), null=True, blank=True)
    ruling_number = models.CharField(_("裁定书文号"), max_length=64, blank=True)
    note = models.TextField(_("说明"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("司法确认")
        verbose_name_plural = _("司法确认")

    def __str__(self):
        return f"{self.case.code} {self.get_state_display()}"


class Evidence(models.Model):
    """A file of evidence (证据): a photo, a recording, a video or a PDF, recognised by its first
    bytes, uploaded by a party on the tracking page or by the case's mediation staff. Served
    only to those who see the parties in full, and each view is logged."""

    case = models.ForeignKey(
        DisputeCase, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="evidence"
    )
    kind = models.CharField(_("类型"), max_length=16)
    file = models.FileField(_("文件"), upload_to="evidence/%Y/%m/")
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    original_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    description = models.CharField(_("证据说明"), max_length=200, blank=True)
    by_party = models.BooleanField(_("当事人提交"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"))

    class Meta:
        verbose_name = _("证据")
        verbose_name_plural = _("证据")
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return f"{self.case.code} {self.original_name}"
