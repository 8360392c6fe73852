"""The delivery log (消息投递): the outbox rows an administrator or district commander may see,
with counts per state, filters, the last error, and "retry now" for dead rows. The 12345
callback log is the same page filtered to one platform's webhooks."""

import urllib.parse

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from shanzhi.core import outbox
from shanzhi.core.choices import DELIVERY_STATE_COLOURS, DeliveryChannel, DeliveryState
from shanzhi.core.errors import ServiceError
from shanzhi.core.privacy import mask_phone
from shanzhi.interop import selectors
from shanzhi.interop.models import HotlinePlatform
from shanzhi.org.models import Unit

PAGE_SIZE = 50


class DeliveryFilter(forms.Form):
    state = forms.ChoiceField(
        label=gettext_lazy("状态"),
        required=False,
        choices=[("", gettext_lazy("全部"))] + DeliveryState.choices,
        widget=forms.Select(attrs={"class": "form-control form-control-sm"}),
    )
    channel = forms.ChoiceField(
        label=gettext_lazy("渠道"),
        required=False,
        choices=[("", gettext_lazy("全部"))] + DeliveryChannel.choices,
        widget=forms.Select(attrs={"class": "form-control form-control-sm"}),
    )
    route = forms.ChoiceField(
        label=gettext_lazy("热线平台"),
        required=False,
        widget=forms.Select(attrs={"class": "form-control form-control-sm"}),
    )

    def __init__(self, *args, platforms=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["route"].choices = [("", _("全部"))] + [(p.route, p.name) for p in platforms]


def _recipient(delivery, units: dict, platforms: dict) -> str:
    """Who the row goes to, without personal data or tokens: phones masked, robots by unit,
    callbacks by platform (else the URL without its query)."""
    if delivery.channel == DeliveryChannel.SMS:
        return mask_phone(delivery.target)
    if delivery.channel == DeliveryChannel.DINGTALK:
        if delivery.target.startswith("unit:"):
            name = units.get(delivery.target[5:], delivery.target)
            return _("%(unit)s 钉钉群") % {"unit": name}
        return _("全局钉钉机器人")
    if delivery.route in platforms:
        return platforms[delivery.route]
    parts = urllib.parse.urlsplit(delivery.target)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _summary(delivery) -> str:
    payload = delivery.payload if isinstance(delivery.payload, dict) else {}
    if "text" in payload:
        return str(payload["text"])
    if "order_no" in payload:
        return f"{payload.get('order_no')} · {payload.get('status_label', '')}"
    return delivery.kind


def _object_link(delivery) -> str:
    if delivery.object_type == "workorder" and delivery.object_id.isdigit():
        return reverse("workorder-detail", args=[int(delivery.object_id)])
    return ""


@login_required
@require_GET
def delivery_list(request):
    if selectors.delivery_scope(request.user) is None:
        raise PermissionDenied
    visible = selectors.deliveries_visible_to(request.user)
    platforms = list(HotlinePlatform.objects.order_by("name"))
    form = DeliveryFilter(request.GET or None, platforms=platforms)
    status = 200
    scoped, state = visible, ""
    if form.is_bound:
        if form.is_valid():
            data = form.cleaned_data
            if data["channel"]:
                scoped = scoped.filter(channel=data["channel"])
            if data["route"]:
                scoped = scoped.filter(route=data["route"])
            state = data["state"]
        else:
            status = 400
    counts = selectors.delivery_counts(scoped)
    rows = scoped.filter(state=state) if state else scoped
    page = Paginator(rows.order_by("-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    unit_ids = {
        d.target[5:] for d in page if d.target.startswith("unit:") and d.target[5:].isdigit()
    }
    units = {
        str(pk): name for pk, name in Unit.objects.filter(pk__in=unit_ids).values_list("pk", "name")
    }
    names = {p.route: p.name for p in platforms}
    query = request.GET.copy()
    query.pop("page", None)
    tiles = []
    for value, label in DeliveryState.choices:
        link = query.copy()
        link["state"] = value
        tiles.append(
            {
                "state": value,
                "label": label,
                "count": counts[value],
                "colour": DELIVERY_STATE_COLOURS[value],
                "url": "?" + link.urlencode(),
                "active": value == state,
            }
        )
    return render(
        request,
        "interop/deliveries.html",
        {
            "form": form,
            "page": page,
            "tiles": tiles,
            "here": request.get_full_path(),
            "rows": [
                {
                    "delivery": d,
                    "recipient": _recipient(d, units, names),
                    "summary": _summary(d),
                    "object_url": _object_link(d),
                    "colour": DELIVERY_STATE_COLOURS.get(d.state, "secondary"),
                    "dead": d.state == DeliveryState.DEAD,
                }
                for d in page
            ],
        },
        status=status,
    )


@login_required
@require_POST
def delivery_retry(request, delivery_id):
    """Retry now (a dead row): the same scope as the list; the service audits it."""
    if selectors.delivery_scope(request.user) is None:
        raise PermissionDenied
    delivery = selectors.delivery_get_for(request.user, delivery_id)  # NotFound: the 404 page
    try:
        outbox.delivery_retry(actor=request.user, delivery_id=delivery.pk)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已重新排队投递 #%(id)s") % {"id": delivery.pk})
    back = request.POST.get("next", "")
    list_url = reverse("delivery-list")
    if back.startswith(list_url) and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}
    ):
        return redirect(back)
    return redirect(list_url)
