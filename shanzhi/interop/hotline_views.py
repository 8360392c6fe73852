"""热线来件: the work orders the 12345 platforms handed over, for the dispatchers and operators
who triage them: the platform's number and deadline beside the order here, its state, and the
last status callback sent back."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from shanzhi.core.choices import DELIVERY_STATE_COLOURS
from shanzhi.interop import selectors
from shanzhi.interop.models import HotlinePlatform
from shanzhi.org.access import Actor
from shanzhi.org.choices import HOTLINE_ROLES
from shanzhi.workorders.choices import FINISHED_STATES

PAGE_SIZE = 50


class HotlineFilter(forms.Form):
    platform = forms.TypedChoiceField(
        label=gettext_lazy("热线平台"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=forms.Select(attrs={"class": "form-control form-control-sm"}),
    )
    open_only = forms.BooleanField(label=gettext_lazy("只看未办结"), required=False)

    def __init__(self, *args, platforms=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["platform"].choices = [("", _("全部"))] + [(p.pk, p.name) for p in platforms]


@login_required
@require_GET
def hotline_list(request):
    """/hotline/: the hand-overs in the person's territory, newest first."""
    if not Actor.of(request.user).has_role(HOTLINE_ROLES):
        raise PermissionDenied
    platforms = list(HotlinePlatform.objects.order_by("name"))
    form = HotlineFilter(request.GET or None, platforms=platforms)
    links = selectors.hotline_orders_visible_to(request.user)
    status = 200
    if form.is_bound:
        if form.is_valid():
            if form.cleaned_data["platform"]:
                links = links.filter(platform_id=form.cleaned_data["platform"])
            if form.cleaned_data["open_only"]:
                links = links.exclude(appeal__work_order__state__in=FINISHED_STATES)
        else:
            status = 400
    page = Paginator(links.order_by("-received_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = selectors.hotline_rows(page.object_list, now=timezone.now())
    for row in rows:
        row["callback_colour"] = (
            DELIVERY_STATE_COLOURS.get(row["callback"].state, "secondary")
            if row["callback"]
            else ""
        )
    return render(
        request,
        "interop/hotline.html",
        {"form": form, "page": page, "rows": rows},
        status=status,
    )
