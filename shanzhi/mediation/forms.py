"""The forms of the mediation pages: the window's intake form and one form per case action."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shanzhi.core.dates import DEADLINE, BoundedDateField, BoundedDateTimeField
from shanzhi.mediation.choices import Fulfilment, PartyRole, ReferralTarget, SessionKind
from shanzhi.workorders.forms import (
    ActionForm,
    BootstrapMixin,
    MultipleFileField,
    MultipleFileInput,
)

TEXT2 = forms.Textarea(attrs={"rows": 2})
TEXT4 = forms.Textarea(attrs={"rows": 4})
TEXT5 = forms.Textarea(attrs={"rows": 5})


class IntakeForm(BootstrapMixin, forms.Form):
    """The window (窗口受理): the dispute, where it happened, one applicant and one respondent
    (more parties are added on the case page's later versions through the API)."""

    org = forms.TypedChoiceField(label=_("受理组织"), coerce=int)
    dispute_type = forms.ChoiceField(label=_("纠纷类型"))
    title = forms.CharField(label=_("纠纷简述"), max_length=200)
    facts = forms.CharField(label=_("纠纷事实"), max_length=4000, widget=TEXT4)
    request = forms.CharField(
        label=_("申请事项"),
        max_length=2000,
        required=False,
        widget=TEXT2,
    )
    region = forms.ChoiceField(label=_("发生地（村社区或乡镇街道）"))
    address = forms.CharField(label=_("详细地点"), max_length=200, required=False)
    amount = forms.DecimalField(
        label=_("涉及金额（元）"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    people_involved = forms.IntegerField(
        label=_("涉及人数"), min_value=1, max_value=100_000, initial=2
    )
    is_major = forms.BooleanField(label=_("重大疑难"), required=False)
    is_group = forms.BooleanField(label=_("群体性"), required=False)
    applicant_name = forms.CharField(label=_("申请人姓名"), max_length=100)
    applicant_phone = forms.CharField(label=_("申请人电话"), max_length=32)
    applicant_id_number = forms.CharField(label=_("申请人证件号码"), max_length=32, required=False)
    respondent_name = forms.CharField(label=_("被申请人姓名或名称"), max_length=100)
    respondent_phone = forms.CharField(label=_("被申请人电话"), max_length=32, required=False)

    def __init__(self, *args, orgs=(), types=(), regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = [(org.pk, org.unit.name) for org in orgs]
        self.fields["dispute_type"].choices = [("", "—")] + [
            (t.code, f"{t.parent.name} › {t.name}" if t.parent else t.name) for t in types
        ]
        self.fields["region"].choices = [("", "—")] + [(r.code, r.name) for r in regions]

    def parties(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {
                "role": PartyRole.APPLICANT,
                "name": data["applicant_name"],
                "phone": data["applicant_phone"],
                "id_number": data.get("applicant_id_number") or "",
            },
            {
                "role": PartyRole.RESPONDENT,
                "name": data["respondent_name"],
                "phone": data.get("respondent_phone") or "",
            },
        ]


class AssignForm(BootstrapMixin, forms.Form):
    mediator = forms.TypedChoiceField(label=_("调解员"), coerce=int)

    def __init__(self, *args, mediators=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mediator"].choices = [("", "—")] + [
            (m.pk, f"{m.name}（{m.org.unit.name}）") for m in mediators
        ]


class EmptyForm(BootstrapMixin, forms.Form):
    pass


class ReasonForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("理由"), max_length=2000, widget=TEXT2)


class ReferForm(BootstrapMixin, forms.Form):
    target = forms.ChoiceField(label=_("转出去向"), choices=ReferralTarget.choices)
    reason = forms.CharField(label=_("理由"), max_length=2000, widget=TEXT2)


class ConsultForm(BootstrapMixin, forms.Form):
    held_at = BoundedDateTimeField(
        label=_("会商时间"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    participants = forms.CharField(
        label=_("参会人员"),
        max_length=2000,
        widget=TEXT2,
        help_text=_("3+X：法官、首席调解员、法律援助律师，以及相关部门"),
    )
    plan = forms.CharField(label=_("化解方案"), max_length=4000, widget=TEXT4)
    tasks = forms.CharField(label=_("责任分工"), max_length=4000, widget=TEXT2, required=False)


class ScheduleForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("方式"), choices=SessionKind.choices)
    starts_at = BoundedDateTimeField(
        label=_("时间"),
        window=DEADLINE,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    place = forms.CharField(label=_("地点或视频链接"), max_length=300)


class RecordForm(BootstrapMixin, forms.Form):
    session = forms.TypedChoiceField(label=_("调解会"), coerce=int)
    attendance = forms.CharField(label=_("到场情况"), max_length=500)
    minutes = forms.CharField(label=_("调解笔录"), max_length=8000, widget=TEXT5)
    outcome = forms.CharField(label=_("本次结果"), max_length=500)

    def __init__(self, *args, sessions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].choices = [
            (s.pk, f"{timezone.localtime(s.starts_at):%m-%d %H:%M} {s.place}") for s in sessions
        ]


class AgreeForm(BootstrapMixin, forms.Form):
    agreement = forms.CharField(label=_("协议内容"), max_length=8000, widget=TEXT5)


class FailForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("调解不成的原因"), max_length=2000, widget=TEXT2)
    target = forms.ChoiceField(
        label=_("建议去向"), choices=[("", "—"), *ReferralTarget.choices], required=False
    )


DAY = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ConfirmApplyForm(BootstrapMixin, forms.Form):
    court = forms.CharField(label=_("受理法院"), max_length=100)
    applied_on = BoundedDateField(
        label=_("申请日期"),
        widget=DAY,
        help_text=_("双方当事人自协议达成之日起 30 日内共同申请"),
    )


class ConfirmAcceptForm(BootstrapMixin, forms.Form):
    accepted = forms.TypedChoiceField(
        label=_("法院决定"),
        choices=[("1", _("受理")), ("0", _("不予受理"))],
        coerce=lambda value: value == "1",
    )
    decided_on = BoundedDateField(label=_("决定日期"), widget=DAY)
    reason = forms.CharField(
        label=_("不予受理的理由"), max_length=2000, widget=TEXT2, required=False
    )


class ConfirmRuleForm(BootstrapMixin, forms.Form):
    confirmed = forms.TypedChoiceField(
        label=_("裁定结果"),
        choices=[("1", _("确认调解协议有效")), ("0", _("驳回申请"))],
        coerce=lambda value: value == "1",
    )
    ruled_on = BoundedDateField(label=_("裁定日期"), widget=DAY)
    ruling_number = forms.CharField(label=_("裁定书文号"), max_length=64)
    reason = forms.CharField(label=_("驳回的理由"), max_length=2000, widget=TEXT2, required=False)


class EvidenceForm(BootstrapMixin, forms.Form):
    files = MultipleFileField(
        label=_("证据文件"),
        help_text=_("照片、录音、视频或 PDF，每个不超过 10 MB，一次最多 9 个"),
        widget=MultipleFileInput(attrs={"accept": "image/*,audio/*,video/*,application/pdf"}),
    )
    description = forms.CharField(label=_("证据说明"), max_length=200, required=False)


class PublicEvidenceForm(EvidenceForm):
    """The parties' upload on the tracking page: the code and four digits again, hidden."""

    code = forms.CharField(max_length=16, widget=forms.HiddenInput)
    phone_tail = forms.RegexField(regex=r"^[0-9]{4}$", max_length=4, widget=forms.HiddenInput)


class SignForm(BootstrapMixin, forms.Form):
    parties = forms.TypedMultipleChoiceField(
        label=_("当场签字的当事人"), coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, parties=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parties"].choices = [
            (p.pk, f"{p.get_role_display()} {p.name}") for p in parties
        ]


class PublicConfirmForm(BootstrapMixin, forms.Form):
    """A party confirms the agreement with the code sent to their phone."""

    code = forms.CharField(max_length=16, widget=forms.HiddenInput)
    phone_tail = forms.RegexField(regex=r"^[0-9]{4}$", max_length=4, widget=forms.HiddenInput)
    confirm_code = forms.RegexField(
        label=_("短信确认码"),
        regex=r"^[0-9]{6}$",
        max_length=6,
        error_messages={"invalid": _("请填写短信中的 6 位数字确认码")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class FollowUpForm(BootstrapMixin, forms.Form):
    fulfilment = forms.ChoiceField(
        label=_("履行情况"), choices=Fulfilment.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("回访情况"),
        max_length=2000,
        widget=TEXT2,
        required=False,
        help_text=_("部分履行或未履行时必填"),
    )


class TrackForm(BootstrapMixin, forms.Form):
    code = forms.CharField(label=_("案件编号"), max_length=16)
    phone_tail = forms.RegexField(
        label=_("当事人手机号后四位"),
        regex=r"^[0-9]{4}$",
        max_length=4,
        error_messages={"invalid": _("请填写手机号的后四位数字")},
    )


class ApplyForm(IntakeForm):
    """The public's application (网上申请), opened by an organisation's 解纷码: the same as the
    window's form, without the choices that are the staff's (the window, the flags)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("org", "is_major", "is_group"):
            del self.fields[name]


class PublicRatingForm(BootstrapMixin, forms.Form):
    code = forms.CharField(widget=forms.HiddenInput, max_length=16)
    phone_tail = forms.CharField(widget=forms.HiddenInput, max_length=4)
    rating = forms.ChoiceField(label=_("您对本次调解的评价"), widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("意见"),
        max_length=1000,
        required=False,
        widget=TEXT2,
        help_text=_("不满意时请写明原因"),
    )

    def __init__(self, *args, **kwargs):
        from shanzhi.workorders.choices import Rating

        super().__init__(*args, **kwargs)
        self.fields["rating"].choices = Rating.choices


class ReferFromOrderForm(ActionForm):
    """转调解 on a work order's page: the dispute type (the one its category maps to first) and
    the other side; the appellant is the applicant."""

    dispute_type = forms.ChoiceField(label=_("纠纷类型"))
    respondent_name = forms.CharField(label=_("被申请人姓名或名称"), max_length=100)
    respondent_phone = forms.CharField(label=_("被申请人电话"), max_length=32, required=False)

    def __init__(self, *args, **kwargs):
        from shanzhi.mediation import selectors
        from shanzhi.mediation.services import dispute_type_for_category

        super().__init__(*args, **kwargs)
        self.fields["dispute_type"].choices = [
            (t.code, f"{t.parent.name} › {t.name}" if t.parent else t.name)
            for t in selectors.dispute_types()
        ]
        if self.order is not None and not self.is_bound:
            mapped = dispute_type_for_category(self.order.category)
            if mapped is not None:
                self.initial["dispute_type"] = mapped.code
