"""Forms of the work-order pages. They only turn what a browser sends into typed values and show
the errors next to the fields; every rule (which category, which unit, who may act) is checked by
the services, whose refusals the views put back into these forms."""

import secrets

from django import forms
from django.utils.translation import gettext_lazy as _

from shanzhi.core.dates import BoundedDateField, BoundedDateTimeField
from shanzhi.core.privacy import phone_key
from shanzhi.core.scoping import prefix_q
from shanzhi.core.text import CleanTextFormMixin
from shanzhi.core.widgets import QuickSelect
from shanzhi.org.selectors import user_scope
from shanzhi.territory.choices import RegionLevel
from shanzhi.territory.models import Region
from shanzhi.workorders import selectors
from shanzhi.workorders.choices import (
    Channel,
    Nature,
    Rating,
    ReplyResult,
    ReturnReason,
    State,
    Supervision,
    Urgency,
)
from shanzhi.workorders.services.intake import CONTENT_MAX, TITLE_MAX

PATH_SEPARATOR = " › "


class BootstrapMixin(CleanTextFormMixin):
    """Bootstrap classes on the widgets, and `is-invalid` on fields that carry an error; text
    cleaned of control and bidirectional characters (shanzhi.core.text)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.RadioSelect):  # and its subclasses
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "custom-select"
            elif isinstance(widget, forms.FileInput):
                css = "form-control-file"
            elif isinstance(widget, forms.HiddenInput):
                css = ""
            else:
                css = "form-control"
            if css:
                widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()

    def add_error(self, field, error):
        super().add_error(field, error)
        if field and field in self.fields:
            widget = self.fields[field].widget
            if "is-invalid" not in widget.attrs.get("class", ""):
                widget.attrs["class"] = (widget.attrs.get("class", "") + " is-invalid").strip()


# -- choices built from the configuration ---------------------------------------------------------


def category_paths() -> dict[str, str]:
    """Every active category's code → its path label (城市管理 › 市容环境 › 占道经营)."""
    nodes = selectors.categories_tree()
    names = {c.code: c.name for c in nodes}
    return {
        c.code: PATH_SEPARATOR.join(names.get(p, "?") for p in c.path.split("/")) for c in nodes
    }


def leaf_category_choices() -> list:
    """The leaves, grouped under their parents with <optgroup>: appeals are filed under leaves."""
    nodes = selectors.categories_tree()
    names = {c.code: c.name for c in nodes}
    parents = {c.parent_id for c in nodes if c.parent_id}
    groups: dict[str, list] = {}
    for node in nodes:
        if node.pk in parents:
            continue
        codes = node.path.split("/")
        group = PATH_SEPARATOR.join(names.get(p, "?") for p in codes[:-1]) or node.name
        label = PATH_SEPARATOR.join(names.get(p, "?") for p in codes)
        groups.setdefault(group, []).append((node.code, label))
    return [("", _("请选择事项分类")), *groups.items()]


def all_category_choices() -> list:
    return [("", _("全部分类")), *category_paths().items()]


def region_choices(user=None) -> list:
    """Townships and their villages, grouped by township; staff see only their territory."""
    regions = Region.objects.filter(level__in=[RegionLevel.TOWNSHIP, RegionLevel.VILLAGE])
    scope = user_scope(user) if user is not None else ()
    if scope:
        regions = regions.filter(prefix_q("code", scope))
    groups: dict[str, list] = {}
    labels: dict[str, str] = {}
    regions = list(regions.order_by("code"))
    townships = {r.code[:9] + "000" for r in regions if r.level == RegionLevel.VILLAGE}
    labels.update(Region.objects.filter(code__in=townships).values_list("code", "name"))
    for region in regions:
        if region.level == RegionLevel.TOWNSHIP:
            labels[region.code] = region.name
            groups.setdefault(region.code, []).insert(
                0, (region.code, _("%(name)s（全域）") % {"name": region.name})
            )
        else:
            township = region.code[:9] + "000"
            groups.setdefault(township, []).append((region.code, region.name))
    return [("", _("请选择所在乡镇街道或村社区"))] + [
        (labels.get(code, code), options) for code, options in groups.items()
    ]


# -- registering appeals ------------------------------------------------------------------------


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name; their type is checked by the service from their content."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class AppealForm(BootstrapMixin, forms.Form):
    """The resident's form on /appeal/ (channel 网站/H5)."""

    nature = forms.ChoiceField(
        label=_("诉求类型"), choices=Nature.choices, initial=Nature.COMPLAINT
    )
    category = forms.ChoiceField(label=_("事项分类"), widget=QuickSelect)
    title = forms.CharField(label=_("标题"), required=False, max_length=TITLE_MAX)
    content = forms.CharField(
        label=_("诉求内容"),
        max_length=CONTENT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("请说明发生了什么、在哪里、持续多久、希望怎样解决。"),
    )
    lon = forms.FloatField(required=False, widget=forms.HiddenInput)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    address = forms.CharField(label=_("地址"), required=False, max_length=200)
    region = forms.ChoiceField(label=_("所在区域"), required=False, widget=QuickSelect)
    appellant_name = forms.CharField(label=_("姓名"), required=False, max_length=50)
    appellant_phone = forms.CharField(
        label=_("手机号码"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
        help_text=_("必填，选择“匿名反映”时可不填：用于接收答复；查询进度时需要手机号后四位。"),
    )
    # Required unless anonymous: the service decides, the form marks it like a required field.
    appellant_phone.marked_required = True
    anonymous = forms.BooleanField(
        label=_("匿名反映"), required=False, help_text=_("不留姓名；不留电话时无法收到答复短信。")
    )
    confidential = forms.BooleanField(
        label=_("诉求保密"), required=False, help_text=_("承办单位看不到您的姓名和电话。")
    )
    publishable = forms.BooleanField(
        label=_("同意公开"), required=False, help_text=_("同意在隐去个人信息后公开本诉求及答复。")
    )
    photos = MultipleFileField(label=_("照片"))
    key = forms.CharField(required=False, widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = leaf_category_choices()
        self.fields["region"].choices = region_choices(user)
        self.fields["content"].widget.attrs["maxlength"] = CONTENT_MAX
        if not self.is_bound:
            self.initial.setdefault("key", secrets.token_urlsafe(16))


class StaffAppealForm(AppealForm):
    """Registration by a hotline operator or at the window, with the 直办 option."""

    channel = forms.ChoiceField(
        label=_("来源渠道"),
        choices=[
            (c, Channel(c).label) for c in (Channel.HOTLINE, Channel.WALK_IN, Channel.ASSIGNED)
        ],
        initial=Channel.HOTLINE,
    )
    urgency = forms.ChoiceField(
        label=_("紧急程度"), choices=Urgency.choices, initial=Urgency.NORMAL
    )
    occurred_at = BoundedDateTimeField(
        label=_("发生时间"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    people_involved = forms.IntegerField(label=_("涉及人数"), required=False, min_value=0)
    amount_involved = forms.DecimalField(
        label=_("涉及金额(元)"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    appellant_name = forms.CharField(label=_("诉求人姓名"), required=False, max_length=50)
    appellant_phone = forms.CharField(
        label=_("联系电话"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
    )
    answer = forms.CharField(
        label=_("直接答复（直办）"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("咨询、求助、建议、表扬类诉求可当场答复：填写后登记即办结，等待回访。"),
    )
    # The knowledge-base entry the answer comes from (采用此口径 in the 知识库 panel).
    entry = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    field_order = [
        "channel",
        "nature",
        "urgency",
        "category",
        "title",
        "content",
        "occurred_at",
        "people_involved",
        "amount_involved",
    ]


class GridReportForm(BootstrapMixin, forms.Form):
    """The grid worker's report from the patrol (channel 网格员上报)."""

    category = forms.ChoiceField(label=_("事项分类"), widget=QuickSelect)
    nature = forms.ChoiceField(label=_("诉求类型"), choices=Nature.choices, initial=Nature.REPORT)
    urgency = forms.ChoiceField(
        label=_("紧急程度"), choices=Urgency.choices, initial=Urgency.NORMAL
    )
    content = forms.CharField(
        label=_("情况描述"), max_length=CONTENT_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )
    lon = forms.FloatField(required=False, widget=forms.HiddenInput)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    address = forms.CharField(label=_("地址"), required=False, max_length=200)
    region = forms.ChoiceField(label=_("所在区域"), required=False, widget=QuickSelect)
    appellant_phone = forms.CharField(
        label=_("我的联系电话"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
        help_text=_("选填；留空则本上报不接收回访。"),
    )
    photos = MultipleFileField(
        label=_("现场照片"),
        widget=MultipleFileInput(
            attrs={"accept": "image/*", "capture": "environment", "class": "sz-visually-hidden"}
        ),
    )
    settled = forms.BooleanField(
        label=_("已当场化解"),
        required=False,
        help_text=_("小事不出村：当场处理好的事项直接办结，无需派单。"),
    )
    settlement = forms.CharField(
        label=_("化解情况"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    key = forms.CharField(required=False, widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = leaf_category_choices()
        self.fields["region"].choices = region_choices(user)
        if not self.is_bound:
            self.initial.setdefault("key", secrets.token_urlsafe(16))

    def clean(self):
        data = super().clean()
        if data.get("settled") and not (data.get("settlement") or "").strip():
            self.add_error("settlement", _("请填写化解情况"))
        return data


# -- tracking and rating ------------------------------------------------------------------------


class TrackForm(BootstrapMixin, forms.Form):
    code = forms.CharField(
        label=_("查询码"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )
    phone_tail = forms.RegexField(
        label=_("手机号后四位"),
        regex=r"^\d{4}$",
        required=False,
        error_messages={"invalid": _("请输入手机号的后四位数字")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 4}),
        help_text=_("匿名且未留电话的诉求可不填。"),
    )

    def clean_code(self):
        return self.cleaned_data["code"].strip().upper()


class RatingForm(BootstrapMixin, forms.Form):
    rating = forms.ChoiceField(label=_("评价"), choices=Rating.choices, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("意见"),
        required=False,
        max_length=1000,
        help_text=_("选择“不满意”时请说明原因"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# -- the staff list ------------------------------------------------------------------------------


def _blank(label, choices) -> list:
    return [("", label), *choices]


class FilterForm(BootstrapMixin, forms.Form):
    text = forms.CharField(label=_("关键词"), required=False, max_length=100)
    phone = forms.CharField(
        label=_("来电号码"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
        help_text=_("完整号码，查找此人反映过的工单"),
    )
    state = forms.ChoiceField(label=_("状态"), required=False, widget=QuickSelect)
    category = forms.ChoiceField(label=_("事项分类"), required=False, widget=QuickSelect)
    region = forms.ChoiceField(label=_("区域"), required=False, widget=QuickSelect)
    urgency = forms.ChoiceField(label=_("紧急程度"), required=False, widget=QuickSelect)
    channel = forms.ChoiceField(label=_("来源渠道"), required=False, widget=QuickSelect)
    nature = forms.ChoiceField(label=_("诉求类型"), required=False, widget=QuickSelect)
    supervision = forms.ChoiceField(label=_("督办"), required=False, widget=QuickSelect)
    date_from = BoundedDateField(
        label=_("受理日期从"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = BoundedDateField(
        label=_("至"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        everything = _("全部")
        self.fields["state"].choices = _blank(everything, State.choices)
        self.fields["category"].choices = all_category_choices()
        regions = region_choices(user)
        self.fields["region"].choices = [("", _("全部区域")), *regions[1:]]
        self.fields["urgency"].choices = _blank(everything, Urgency.choices)
        self.fields["channel"].choices = _blank(everything, Channel.choices)
        self.fields["nature"].choices = _blank(everything, Nature.choices)
        self.fields["supervision"].choices = _blank(
            everything, [c for c in Supervision.choices if c[0]]
        )
        if user is None or not selectors.may_search_phones(user):
            del self.fields["phone"]

    def clean_phone(self):
        phone = self.cleaned_data.get("phone") or ""
        if phone and len(phone_key(phone)) < 7:
            raise forms.ValidationError(_("请输入完整的电话号码"))
        return phone

    def filters(self) -> selectors.Filters:
        data = self.cleaned_data
        return selectors.Filters(
            state=data.get("state") or "",
            category=data.get("category") or "",
            region=data.get("region") or "",
            urgency=data.get("urgency") or "",
            channel=data.get("channel") or "",
            nature=data.get("nature") or "",
            supervision=data.get("supervision") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            text=data.get("text") or "",
            phone=data.get("phone") or "",
        )


# -- the actions on the detail page --------------------------------------------------------------


def _textarea(label, *, required=True, rows=2, max_length=4000, help_text=""):
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class ActionForm(BootstrapMixin, forms.Form):
    """Base of the action forms; `order` and `user` let some of them fill their choices."""

    def __init__(self, *args, order=None, user=None, action="", **kwargs):
        kwargs.setdefault("auto_id", f"id_{action}_%s")
        super().__init__(*args, **kwargs)
        self.order, self.user = order, user


class DispatchForm(ActionForm):
    lead_unit = forms.TypedChoiceField(label=_("主办单位"), coerce=int)
    co_units = forms.TypedMultipleChoiceField(
        label=_("协办单位"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    note = _textarea(_("派单意见"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.proposals = selectors.dispatch_proposals(self.order)
        units = list(selectors.dispatchable_units(self.order))
        proposed = {p.unit.pk for p in self.proposals}
        suggested = [
            (
                p.unit.pk,
                # The rule as the dispatcher reads it: its category and the unit it resolved to
                # for this order (a 属地 rule names a kind of unit, not a unit).
                _("%(unit)s（规则建议：%(category)s → %(unit)s）")
                % {"unit": p.unit.name, "category": p.rule.category.name},
            )
            for p in self.proposals
        ]
        others = [(u.pk, u.name) for u in units if u.pk not in proposed]
        choices = []
        if suggested:
            choices.append((_("规则建议"), suggested))
        if others:
            choices.append((_("其他可选单位"), others))
        self.fields["lead_unit"].choices = [("", _("请选择主办单位")), *choices]
        self.fields["co_units"].choices = [(u.pk, u.name) for u in units]
        if self.proposals:
            first = self.proposals[0]
            self.initial.setdefault("lead_unit", first.unit.pk)
            self.initial.setdefault("co_units", [u.pk for u in first.co_units])

    def rule_id(self, unit_id):
        for proposal in self.proposals:
            if proposal.unit.pk == unit_id:
                return proposal.rule.pk
        return None


class MergeForm(ActionForm):
    target = forms.CharField(
        label=_("并入工单"),
        max_length=20,
        help_text=_("填写目标工单的编号（如 GD250101ABCDE）"),
    )


class SignForm(ActionForm):
    pass


class ReturnForm(ActionForm):
    reason = forms.ChoiceField(label=_("退单理由"))
    note = _textarea(_("说明"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = _blank(_("请选择"), ReturnReason.choices)


class RequestExtensionForm(ActionForm):
    days = forms.IntegerField(label=_("延期天数（工作日）"), min_value=1, max_value=60, initial=5)
    reason = _textarea(_("延期理由"))


class DecideExtensionForm(ActionForm):
    decision = forms.ChoiceField(
        label=_("审批意见"),
        choices=[("approve", _("批准")), ("refuse", _("驳回"))],
        widget=forms.RadioSelect,
        initial="approve",
    )
    note = _textarea(_("说明"), required=False, help_text=_("驳回时必填"))


class SuspendForm(ActionForm):
    reason = _textarea(_("挂起理由"))


class ResumeForm(ActionForm):
    note = _textarea(_("说明"), required=False)


class NoteForm(ActionForm):
    text = _textarea(_("办理情况"), rows=3)
    public = forms.BooleanField(label=_("向群众公开"), required=False)


class EscalateForm(ActionForm):
    reason = _textarea(_("上报理由"))


class SuperviseForm(ActionForm):
    level = forms.ChoiceField(label=_("督办等级"))
    note = _textarea(_("督办意见"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [c for c in Supervision.choices if c[0]]


class ReplyForm(ActionForm):
    result = forms.ChoiceField(label=_("办理结果"))
    text = _textarea(_("答复内容"), rows=4)
    photos = MultipleFileField(
        label=_("办理后照片"),
        help_text=_("处理后的现场照片或文书，核查时分拨员可见。"),
        widget=MultipleFileInput(attrs={"accept": "image/*,application/pdf"}),
    )
    photos_public = forms.BooleanField(
        label=_("照片向群众公开"),
        required=False,
        help_text=_("勾选后，诉求人在进度查询页能看到这些照片；请勿上传含他人隐私的照片。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["result"].choices = _blank(_("请选择"), ReplyResult.choices)


class CoReplyForm(ActionForm):
    text = _textarea(_("协办意见"), rows=3)


class VerifyForm(ActionForm):
    decision = forms.ChoiceField(
        label=_("核查结论"),
        choices=[("accept", _("通过，转回访")), ("reopen", _("不通过，重办"))],
        widget=forms.RadioSelect,
        initial="accept",
    )
    note = _textarea(_("核查意见"), required=False, help_text=_("重办时必填"))


class PhoneRatingForm(ActionForm):
    appeal = forms.TypedChoiceField(label=_("诉求"), coerce=int)
    rating = forms.ChoiceField(
        label=_("回访结果"), choices=Rating.choices, widget=forms.RadioSelect
    )
    comment = _textarea(
        _("回访记录"), required=False, max_length=1000, help_text=_("不满意时必填：群众说明的原因")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        unrated = list(self.order.appeals.filter(rating="").order_by("pk"))
        self.fields["appeal"].choices = [(a.pk, a.tracking_code) for a in unrated]
        if len(unrated) == 1:
            self.initial.setdefault("appeal", unrated[0].pk)
            self.fields["appeal"].widget = forms.HiddenInput()


class AnswerDirectlyForm(ActionForm):
    answer = _textarea(_("答复内容"), rows=4)
    # The knowledge-base entry the answer comes from (set by the registration page's 知识库).
    entry = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
