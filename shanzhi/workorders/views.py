"""Pages of appeals and work orders: the public intake and tracking pages, the staff console
(inboxes, registration, the grid worker's report, the detail page with its actions) and the
attachment download. Every rule lives in the services and selectors; these pages only translate
between the browser and them, and put a refusal back next to the field it concerns."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Max, Min
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shanzhi.core import throttle
from shanzhi.core.errors import Forbidden, NotFound, ServiceError
from shanzhi.core.labels import ACTORS
from shanzhi.core.pagination import CappedPaginator
from shanzhi.core.privacy import phone_key
from shanzhi.org.access import Actor
from shanzhi.org.choices import PHONE_ROLES
from shanzhi.org.selectors import grids_visible_to
from shanzhi.territory.choices import RegionLevel
from shanzhi.territory.models import Grid, Region
from shanzhi.territory.selectors import map_base
from shanzhi.workorders import actions, forms, selectors, services
from shanzhi.workorders.actions import ACTIONS
from shanzhi.workorders.choices import (
    ACTIVE_ASSIGNMENT,
    ANSWERED_STATES,
    STATE_COLOURS,
    SUPERVISION_COLOURS,
    Action,
    AssignmentRole,
    Channel,
    ExtensionState,
    Rating,
    ReplyResult,
    ReturnReason,
    State,
    Supervision,
    Urgency,
)
from shanzhi.workorders.models import Attachment
from shanzhi.workorders.services.uploads import (
    MAX_FILES,
    uploads_hold,
    uploads_release,
    uploads_reopen,
)

PAGE_SIZE = 50
DONE_KEY = "workorders.registered"
# Service field names that the forms call differently.
FIELD_NAMES = {"attachments": "photos", "Idempotency-Key": "", "into": "target"}


# -- shared helpers -------------------------------------------------------------------------------


def _put_error(form, error: ServiceError) -> None:
    """A service's refusal, next to the field it names when the form has it."""
    field = FIELD_NAMES.get(error.field, error.field)
    form.add_error(field if field in form.fields else None, error.message)


def _order_or_404(user, order_id):
    """The work order, or NotFound: the 404 page (core.middleware.ServiceErrorMiddleware)."""
    return selectors.workorder_get_for(user, order_id)


def _uploads(files) -> list[services.Upload]:
    return [services.Upload(name=f.name, file=f, size=f.size) for f in files]


# Photos kept from a refused try of a form, by the form's key: nothing the person chose is lost
# when the form comes back with a message (services.uploads_hold).
HELD_KEY = "workorders.held_photos"
HELD_FORMS = 5


def _form_key(request) -> str:
    key = request.POST.get("key", "")
    return key if 8 <= len(key) <= 64 and key.replace("-", "").replace("_", "").isalnum() else ""


def _held(request) -> list[dict]:
    return list((request.session.get(HELD_KEY) or {}).get(_form_key(request)) or [])


def _photos(request, chosen) -> list[services.Upload]:
    """This submission's photos: those kept from the form's earlier try, then those chosen now."""
    return uploads_reopen(_held(request)) + _uploads(chosen)


def _keep_photos(request, form) -> None:
    """The form was refused: keep the acceptable photos chosen now with those kept before, and
    tell the form which they are."""
    key = _form_key(request)
    if not key:
        return
    held = _held(request)
    chosen = request.FILES.getlist("photos")[: max(MAX_FILES - len(held), 0)]
    held += uploads_hold(_uploads(chosen))
    holds = dict(request.session.get(HELD_KEY) or {})
    holds.pop(key, None)
    holds[key] = held
    request.session[HELD_KEY] = dict(list(holds.items())[-HELD_FORMS:])
    form.held_photos = [item["name"] for item in held]


def _photos_registered(request) -> None:
    holds = dict(request.session.get(HELD_KEY) or {})
    held = holds.pop(_form_key(request), None)
    if held is not None:
        uploads_release(held)
        request.session[HELD_KEY] = holds


def _map_config(**extra) -> dict:
    return {
        **map_base(),
        **extra,
    }


def _territory_view(user=None, choices=()) -> dict:
    """Where a location picker opens: the extent of the grids (the user's, for staff), with the
    townships' names as landmarks for maps without a base layer, and the centre of each region
    the form offers, so that choosing one moves the map there."""
    grids = Grid.objects.all()
    if user is not None:
        visible = grids_visible_to(user)
        if visible.exists():
            grids = visible
    box = grids.aggregate(Min("lon"), Max("lon"), Min("lat"), Max("lat"))
    bounds = None
    if box["lon__min"] is not None:
        bounds = [[box["lat__min"], box["lon__min"]], [box["lat__max"], box["lon__max"]]]
    townships = Region.objects.filter(level=RegionLevel.TOWNSHIP, lat__isnull=False)
    offered = []
    for value, label in choices:  # grouped by township: (name, [(code, label), …])
        if isinstance(label, list | tuple):
            offered += [code for code, _name in label if code]
        elif value:
            offered.append(value)
    centres = Region.objects.filter(code__in=offered, lat__isnull=False)
    return {
        "bounds": bounds,
        "places": [{"name": r.name, "lat": r.lat, "lon": r.lon} for r in townships],
        "centres": {r.code: [r.lat, r.lon] for r in centres.only("code", "lat", "lon")},
    }


def _remember_registered(request, appeal, *, kind: str) -> None:
    request.session[DONE_KEY] = {
        "kind": kind,
        "tracking_code": appeal.tracking_code,
        "phone_tail": appeal.appellant_phone[-4:] if appeal.appellant_phone else "",
        "order_id": appeal.work_order_id,
        "order_code": appeal.work_order.code,
        # read again: a direct answer (就地化解) has moved the order on since registration
        "state": selectors.workorder_state(appeal.work_order_id),
    }


def _registered(request, kind: str) -> dict | None:
    done = request.session.get(DONE_KEY)
    if not isinstance(done, dict) or done.get("kind") != kind:
        return None
    done = dict(done)
    _remember_tail(request, done["tracking_code"], done.get("phone_tail") or "")
    done["track_url"] = reverse("track-detail", args=[done["tracking_code"]])
    return done


def _appeal_input(data: dict, *, channel: str, uploads, **extra) -> services.AppealInput:
    return services.AppealInput(
        channel=channel,
        nature=data.get("nature") or "",
        category_code=data.get("category") or "",
        content=data.get("content") or "",
        title=data.get("title") or "",
        urgency=data.get("urgency") or Urgency.NORMAL,
        lon=data.get("lon"),
        lat=data.get("lat"),
        address=data.get("address") or "",
        region_code=data.get("region") or "",
        appellant_name=data.get("appellant_name") or "",
        appellant_phone=data.get("appellant_phone") or "",
        anonymous=bool(data.get("anonymous")),
        confidential=bool(data.get("confidential")),
        publishable=bool(data.get("publishable")),
        uploads=uploads,
        **extra,
    )


def _form_page_context(form, *, user=None) -> dict:
    territory = _territory_view(
        user, form.fields["region"].choices if "region" in form.fields else ()
    )
    return {
        "form": form,
        "max_files": MAX_FILES,
        "max_mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024),
        "picker_config": _map_config(
            lonId=form["lon"].id_for_label,
            latId=form["lat"].id_for_label,
            bounds=territory["bounds"],
            places=territory["places"],
            centres=territory["centres"],
            locateUrl=reverse("api:grids_locate"),
            gridsUrl=reverse("api:grids")
            if user is not None
            else reverse("api:public_grid_outlines"),
        ),
    }


# -- 1. the resident's form -----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def appeal_new(request):
    """/appeal/: anyone raises an appeal (网站/H5); signed-in residents find it under 我的诉求."""
    status = 200
    if request.method == "POST":
        form = forms.AppealForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                registered = services.appeal_register(
                    actor=request.user if request.user.is_authenticated else None,
                    data=_appeal_input(
                        data, channel=Channel.WEB, uploads=_photos(request, data["photos"])
                    ),
                    idempotency_key=data.get("key") or "",
                )
            except ServiceError as error:
                _put_error(form, error)
                status = error.status
            else:
                _photos_registered(request)
                _remember_registered(request, registered.appeal, kind="public")
                return redirect("appeal-done")
        else:
            status = 400
        _keep_photos(request, form)
    else:
        form = forms.AppealForm(initial=_resident_initial(request.user))
    return render(request, "workorders/appeal_new.html", _form_page_context(form), status=status)


def _resident_initial(user) -> dict:
    """A signed-in resident's name, and the phone of their last appeal (accounts keep no
    phone), so that they need not type them again."""
    if not user.is_authenticated:
        return {}
    return {
        "appellant_name": user.get_full_name(),
        "appellant_phone": selectors.last_phone_of(user),
    }


@require_GET
def appeal_done(request):
    done = _registered(request, "public")
    if done is None:
        return redirect("appeal-new")
    return render(request, "workorders/appeal_done.html", {"done": done})


# -- 2. tracking and rating -----------------------------------------------------------------------


# The phone tails this visitor has proved, by tracking code: the tracking page's address never
# carries them (they would sit in browser histories, proxies' logs and Referer headers).
TRACKED_KEY = "workorders.tracked"
TRACKED_KEPT = 20


def _remember_tail(request, code: str, tail: str) -> None:
    tails = dict(request.session.get(TRACKED_KEY) or {})
    tails.pop(code, None)
    tails[code] = tail
    request.session[TRACKED_KEY] = dict(list(tails.items())[-TRACKED_KEPT:])


def _forget_tail(request, code: str) -> None:
    tails = dict(request.session.get(TRACKED_KEY) or {})
    if tails.pop(code, None) is not None:
        request.session[TRACKED_KEY] = tails


def _proven_tail(request, code: str) -> str | None:
    """The tail this visitor proved for the code, or, for a signed-in resident, their own
    appeal's; None when nothing is proven."""
    normal = services.tracking_code_normal(code)
    tails = request.session.get(TRACKED_KEY) or {}
    if normal in tails:
        return tails[normal]
    return selectors.own_appeal_phone_tail(request.user, normal) or None


def _track_url(code: str) -> str:
    return reverse("track-detail", args=[code])


@require_http_methods(["GET", "POST"])
def track(request):
    """/track/: the tracking code and the phone's last four digits (posted, never in the
    address) lead to the appeal's page. A query string of old links is still read."""
    data = request.POST if request.method == "POST" else request.GET
    if not data:
        return render(request, "workorders/track.html", {"form": forms.TrackForm()})
    form = forms.TrackForm(data)
    if not form.is_valid():
        return render(request, "workorders/track.html", {"form": form}, status=400)
    code = form.cleaned_data["code"]
    _remember_tail(request, code, form.cleaned_data["phone_tail"])
    return redirect(_track_url(code))


def _tracked(request, code: str, phone_tail: str):
    """The appeal, or the tracking form with one message for a wrong code and a wrong phone.
    Lookups are limited per client address (shared with the API), and wrong tails per code
    (services.appeal_track), so phone tails cannot be guessed."""
    shown_code = code[:16].replace("\x00", "")
    wait = throttle.hit(request, "track", settings.TRACK_RATE)
    if wait is not None:
        form = forms.TrackForm({"code": shown_code, "phone_tail": ""})
        form.is_valid()
        form.add_error(None, _("查询过于频繁，请稍后再试"))
        return None, throttle.refused_page(request, wait, "workorders/track.html", {"form": form})
    try:
        return services.appeal_track(code=code, phone_tail=phone_tail), None
    except (NotFound, Forbidden) as error:
        form = forms.TrackForm({"code": shown_code})
        form.is_valid()
        form.add_error(None, error.message)
        return None, render(request, "workorders/track.html", {"form": form}, status=error.status)


def _public_events(order) -> list[dict]:
    return [
        {"at": step.at, "label": step.label, "detail": step.text}
        for step in selectors.public_timeline(order)
    ]


def _track_page(request, appeal, *, rate_form=None, status: int = 200):
    order = appeal.work_order
    can_rate = order.state == State.PENDING_RATING and not appeal.rating
    return render(
        request,
        "workorders/track_detail.html",
        {
            "appeal": appeal,
            "order": order,
            "state_label": State(order.state).label,
            "state_colour": STATE_COLOURS.get(order.state, "secondary"),
            "events": _public_events(order),
            "answered": order.state in ANSWERED_STATES,
            "reply_result": ReplyResult(order.reply_result).label if order.reply_result else "",
            "rating_label": Rating(appeal.rating).label if appeal.rating else "",
            "rate_form": (rate_form or forms.RatingForm()) if can_rate else None,
            "reply_files": selectors.public_reply_files(order),
            "category_path": forms.category_paths().get(appeal.category.code, appeal.category.name),
        },
        status=status,
    )


@require_GET
def track_detail(request, code: str):
    """/track/<code>/: the appeal, for a visitor who proved the phone tail on /track/ (kept in the
    session) or the signed-in resident who filed it. An old link's ?phone_tail= is checked once,
    then the visitor is sent to the address without it."""
    given = request.GET.get("phone_tail")
    # nothing proven: "" opens only an appeal left without a phone
    phone_tail = given if given is not None else _proven_tail(request, code) or ""
    appeal, refused = _tracked(request, code, phone_tail)
    if refused:
        _forget_tail(request, services.tracking_code_normal(code))
        return refused
    if given is not None:
        _remember_tail(request, appeal.tracking_code, given)
        return redirect(_track_url(appeal.tracking_code))
    return _track_page(request, appeal)


@require_GET
def track_file(request, code: str, attachment_id: int):
    """/track/<code>/files/<id>/: a reply's file the lead unit made public, for the visitor who
    proved the phone tail of an appeal of that order (or the resident who filed it)."""
    tail = _proven_tail(request, code)
    if tail is None:
        raise Http404  # no guess was made, so none is counted
    appeal, refused = _tracked(request, code, tail)
    if refused:
        return refused
    item = next(
        (f for f in selectors.public_reply_files(appeal.work_order) if f.pk == attachment_id), None
    )
    if item is None:
        raise Http404
    return _file_response(item)


@require_POST
def track_rate(request, code: str):
    given = request.POST.get("phone_tail")
    phone_tail = given if given is not None else _proven_tail(request, code) or ""
    appeal, refused = _tracked(request, code, phone_tail)
    if refused:
        return refused
    form = forms.RatingForm(request.POST)
    if not form.is_valid():
        return _track_page(request, appeal, rate_form=form, status=400)
    try:
        services.appeal_rate(
            actor=None,
            order_id=appeal.work_order_id,
            tracking_code=appeal.tracking_code,
            rating=form.cleaned_data["rating"],
            comment=form.cleaned_data["comment"],
            via="appellant",
        )
    except ServiceError as error:
        _put_error(form, error)
        appeal.refresh_from_db()
        appeal.work_order.refresh_from_db()
        return _track_page(request, appeal, rate_form=form, status=error.status)
    messages.success(request, _("感谢您的评价！"))
    _remember_tail(request, appeal.tracking_code, phone_tail)
    return redirect(_track_url(appeal.tracking_code))


# -- 3. the staff list ----------------------------------------------------------------------------


@dataclass
class Row:
    """One line of the list, its texts made here: the template only places them (a page has 50
    rows, and template filters per cell cost more than the rest of the page)."""

    order: object
    url: str
    title: str
    category: str
    region: str
    grid: str
    lead_unit: str
    urgency_label: str
    urgent: bool
    registered: str
    state_label: str
    state_colour: str
    supervision_label: str
    supervision_colour: str
    deadline: str
    deadline_label: str
    overdue: bool
    warned: bool


# What a row of the list shows (not the content, nor the grid's boundary).
LIST_FIELDS = (
    "code",
    "title",
    "state",
    "supervision",
    "urgency",
    "registered_at",
    "sign_deadline",
    "handle_deadline",
    "is_warned",
    "is_overdue",
    "is_sign_overdue",
    "category__name",
    "region__name",
    "grid__name",
    "lead_unit__name",
)


def _local(moment, pattern: str) -> str:
    return timezone.localtime(moment).strftime(pattern) if moment else ""


def _row(order) -> Row:
    signing = order.state == State.PENDING_SIGN
    deadline = order.sign_deadline if signing else order.handle_deadline
    overdue = order.is_overdue or (signing and order.is_sign_overdue)
    open_clock = order.state in (State.PENDING_SIGN, State.HANDLING, State.SUSPENDED)
    title = order.title
    return Row(
        order=order,
        url=reverse("workorder-detail", args=[order.pk]),
        title=title if len(title) <= 40 else title[:39] + "…",
        category=order.category.name,
        region=order.region.name,
        grid=order.grid.name if order.grid_id else "",
        lead_unit=order.lead_unit.name if order.lead_unit_id else "—",
        urgency_label=str(Urgency(order.urgency).label),
        urgent=order.urgency != Urgency.NORMAL,
        registered=_local(order.registered_at, "%Y-%m-%d %H:%M"),
        state_label=State(order.state).label,
        state_colour=STATE_COLOURS.get(order.state, "secondary"),
        supervision_label=Supervision(order.supervision).label if order.supervision else "",
        supervision_colour=_supervision_colour(order.supervision),
        deadline=_local(deadline, "%m-%d %H:%M") if open_clock else "",
        deadline_label=_("签收") if signing else _("办结"),
        overdue=open_clock and overdue,
        warned=open_clock and order.is_warned and not overdue,
    )


def _supervision_colour(level: str) -> str:
    return SUPERVISION_COLOURS.get(level, "secondary") if level else ""


@login_required
@require_GET
def workorder_list(request):
    """/workorders/: the inboxes of the person's units, filtered and paginated."""
    box = request.GET.get("box") or "all"
    if box not in selectors.INBOXES:
        raise Http404
    counts = selectors.inbox_counts(request.user)
    form = forms.FilterForm(request.GET, user=request.user)
    orders = selectors.inbox(request.user, box)
    status = 200
    if form.is_valid():
        filters = form.filters()
        orders = selectors.apply_filters(orders, filters)
        if filters.phone:
            services.appellant_phone_searched(
                actor=request.user, phone=filters.phone, found=orders.count()
            )
    else:
        status = 400
    orders = (
        orders.select_related("category", "region", "grid", "lead_unit")
        .only(*LIST_FIELDS)
        .order_by("-registered_at", "-id")
    )
    page = CappedPaginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    tabs = [
        {"box": key, "label": label, "count": counts.get(key), "active": key == box}
        for key, label in selectors.INBOXES.items()
    ]
    return render(
        request,
        "workorders/list.html",
        {
            "tabs": tabs,
            "box": box,
            "form": form,
            "page": page,
            "rows": [_row(o) for o in page.object_list],
            "filtered": any(v for k, v in request.GET.items() if k not in ("box", "page")),
            "may_register": Actor.of(request.user).may_register(),
        },
        status=status,
    )


# -- 4. registration by staff ---------------------------------------------------------------------


def _require_registrar(user) -> Actor:
    actor = Actor.of(user)
    if not actor.may_register():
        raise PermissionDenied
    return actor


@login_required
@require_http_methods(["GET", "POST"])
def workorder_new(request):
    """/workorders/new/: a call or a visit registered by staff; with an answer it is 直办."""
    actor = _require_registrar(request.user)
    status = 200
    if request.method == "POST":
        form = forms.StaffAppealForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            answer = (data.get("answer") or "").strip()
            try:
                registered = services.appeal_register(
                    actor=request.user,
                    data=_appeal_input(
                        data,
                        channel=data["channel"],
                        uploads=_photos(request, data["photos"]),
                        occurred_at=data.get("occurred_at"),
                        people_involved=data.get("people_involved"),
                        amount_involved=data.get("amount_involved"),
                    ),
                    idempotency_key=data.get("key") or "",
                    direct_answer=answer,
                    direct_entry=data.get("entry") if answer else None,
                )
            except ServiceError as error:
                # A refusal without a field comes from the answer (直办 not allowed here).
                if answer and error.field not in form.fields:
                    form.add_error("answer", error.message)
                else:
                    _put_error(form, error)
                status = error.status
            else:
                _photos_registered(request)
                registered.appeal.work_order.refresh_from_db()
                _remember_registered(request, registered.appeal, kind="staff")
                return redirect("workorder-new-done")
        else:
            status = 400
        _keep_photos(request, form)
    else:
        form = forms.StaffAppealForm(user=request.user)
    context = _form_page_context(form, user=request.user)
    context["may_answer"] = actor.has_role(PHONE_ROLES)
    return render(request, "workorders/staff_new.html", context, status=status)


@login_required
@require_GET
def callers(request):
    """/workorders/callers/?phone=…: 以往来电, the caller's earlier appeals as a fragment of the
    registration page (fetched when the operator has typed the number)."""
    if not selectors.may_search_phones(request.user):
        raise PermissionDenied
    phone = request.GET.get("phone", "")[:32]
    found = selectors.caller_history(request.user, phone)
    if len(phone_key(phone)) >= 7:
        services.appellant_phone_searched(actor=request.user, phone=phone, found=len(found))
    rows = [
        {
            "appeal": appeal,
            "order": appeal.work_order,
            "state_label": State(appeal.work_order.state).label,
            "url": reverse("workorder-detail", args=[appeal.work_order_id]),
        }
        for appeal in found
    ]
    return render(request, "workorders/_callers.html", {"rows": rows, "phone": phone})


@login_required
@require_GET
def workorder_new_done(request):
    _require_registrar(request.user)
    done = _registered(request, "staff")
    if done is None:
        return redirect("workorder-new")
    done["state_label"] = State(done["state"]).label
    return render(request, "workorders/staff_done.html", {"done": done})


# -- 5. the grid worker's report ------------------------------------------------------------------

PHONE_KEY = "workorders.report_phone"


@login_required
@require_http_methods(["GET", "POST"])
def workorder_report(request):
    """/workorders/report/: a grid worker reports what they found, with position and photo."""
    _require_registrar(request.user)
    status = 200
    if request.method == "POST":
        form = forms.GridReportForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            data = dict(form.cleaned_data)
            phone = (data.get("appellant_phone") or "").strip()
            try:
                registered = services.appeal_register(
                    actor=request.user,
                    data=_appeal_input(
                        data, channel=Channel.GRID, uploads=_photos(request, data["photos"])
                    ),
                    idempotency_key=data.get("key") or "",
                    direct_answer=(data.get("settlement") or "").strip()
                    if data.get("settled")
                    else "",
                )
            except ServiceError as error:
                _put_error(form, error)
                status = error.status
            else:
                _photos_registered(request)
                request.session[PHONE_KEY] = phone
                _remember_registered(request, registered.appeal, kind="report")
                return redirect("workorder-report-done")
        else:
            status = 400
        _keep_photos(request, form)
    else:
        form = forms.GridReportForm(
            user=request.user, initial={"appellant_phone": request.session.get(PHONE_KEY, "")}
        )
    context = _form_page_context(form, user=request.user)
    return render(request, "workorders/report.html", context, status=status)


@login_required
@require_GET
def workorder_report_done(request):
    _require_registrar(request.user)
    done = _registered(request, "report")
    if done is None:
        return redirect("workorder-report")
    return render(
        request, "workorders/report_done.html", {"done": done, "outcome": _report_outcome(done)}
    )


def _report_outcome(done: dict) -> str:
    """What became of a grid worker's report, in the words of its state: settled on the spot
    waits for the resident's rating, anything else waits for dispatch (or says its state)."""
    code = done["order_code"]
    if done.get("state") == State.PENDING_RATING:
        return _("工单 %(code)s 已当场化解（直办），等待群众评价。") % {"code": code}
    if done.get("state") == State.PENDING_DISPATCH:
        return _("工单 %(code)s 已进入分拨，等待分拨员派单。") % {"code": code}
    label = State(done["state"]).label if done.get("state") in State.values else ""
    return _("工单 %(code)s 已受理，当前状态：%(state)s。") % {"code": code, "state": label}


# -- 6. the detail page and its actions -----------------------------------------------------------


def _action_label(action: str) -> str:
    return Action(action).label if action in Action.values else action


def _actor_labels() -> dict:
    """How the services name actors who are not signed-in people (core.labels)."""
    return {key: str(label) for key, label in ACTORS.items()}


def _event_rows(order) -> list[dict]:
    """The order's history for staff, with the values worth reading from each step."""
    rows, labels = [], _actor_labels()
    for event in selectors.timeline(order):
        if event.action == "appellant.view":
            continue  # the PIPL view log is audited, not part of the case history
        after = event.after or {}
        details = []
        if after.get("lead_unit_name"):
            details.append(_("主办：%(unit)s") % {"unit": after["lead_unit_name"]})
        if after.get("dispatch_unit_name"):
            details.append(_("上报至：%(unit)s") % {"unit": after["dispatch_unit_name"]})
        if after.get("knowledge_question"):
            details.append(
                _("引用知识库：%(question)s") % {"question": after["knowledge_question"]}
            )
        if after.get("reason") in ReturnReason.values:
            details.append(_("退单理由：%(r)s") % {"r": ReturnReason(after["reason"]).label})
        if event.action == Action.DECIDE_EXTENSION:
            details.append(_("批准") if after.get("approved") else _("驳回"))
        if after.get("days") and event.action == Action.REQUEST_EXTENSION:
            details.append(_("申请延期 %(n)s 个工作日") % {"n": after["days"]})
        if event.action == Action.VERIFY:
            details.append(_("通过") if after.get("accepted") else _("重办"))
        if event.action == Action.SUPERVISE and after.get("supervision") in Supervision.values:
            details.append(Supervision(after["supervision"]).label)
        if after.get("result") in ReplyResult.values:
            details.append(ReplyResult(after["result"]).label)
        if after.get("rating") in Rating.values:
            details.append(Rating(after["rating"]).label)
        if event.action == Action.MERGE and after.get("into"):
            details.append(_("并入 %(code)s") % {"code": after["into"]})
        if event.action == Action.MERGE and after.get("from"):
            details.append(_("由 %(code)s 并入") % {"code": after["from"]})
        if event.action == Action.NOTE and after.get("public"):
            details.append(_("已向群众公开"))
        text = after.get("text") or after.get("answer") or after.get("comment") or ""
        actor = (event.actor.get_full_name() or event.actor.username) if event.actor else ""
        rows.append(
            {
                "at": event.created_at,
                "label": _action_label(event.action),
                "actor": actor or labels.get(event.actor_label, event.actor_label),
                "details": details,
                "text": text,
                "reason": event.reason,
            }
        )
    return rows


# The step a person usually takes next; its form is open when the page loads (dispatching
# counts only for orders waiting for it: on a dispatched order it means re-dispatching, 改派).
PRIMARY_ACTIONS = [
    Action.DECIDE_EXTENSION,
    Action.SIGN,
    Action.REPLY,
    Action.CO_REPLY,
    Action.VERIFY,
    Action.DECIDE_EXTENSION,
    Action.RESUME,
    Action.RATE,
]


def _detail_page(request, order, *, failed: tuple | None = None, status: int = 200):
    user = request.user
    allowed = services.allowed_actions(user, order)
    primary = failed[0] if failed else None
    if primary is None and order.state == State.PENDING_DISPATCH and Action.DISPATCH in allowed:
        primary = Action.DISPATCH
    if primary is None:
        primary = next((a for a in PRIMARY_ACTIONS if a in allowed), None)
    if primary is None and len(allowed) == 1:
        primary = allowed[0]
    action_forms = []
    for action in allowed:
        if failed and failed[0] == action:
            form = failed[1]
        else:
            form = ACTIONS[action].interface["form"](order=order, user=user, action=action)
        action_forms.append(
            {
                "action": action,
                "label": _("改派")
                if action == Action.DISPATCH and order.state != State.PENDING_DISPATCH
                else _action_label(action),
                "form": form,
                "open": action == primary,
            }
        )
    appellants, shown = selectors.appellants_for(user, order)
    if shown:
        services.workorder_appellants_viewed(actor=user, order=order)
    assignments = list(order.assignments.select_related("unit").order_by("assigned_at", "pk"))
    co_units = [
        a for a in assignments if a.role == AssignmentRole.CO and a.state in ACTIVE_ASSIGNMENT
    ]
    extensions = list(order.extensions.select_related("unit").order_by("requested_at", "pk"))
    pending_extension = next((e for e in extensions if e.state == ExtensionState.PENDING), None)
    attachments = sorted(order.attachments.order_by("pk"), key=lambda a: a.step != "appeal")
    signing = order.state == State.PENDING_SIGN
    clock = order.state in (State.PENDING_SIGN, State.HANDLING, State.SUSPENDED)
    geometry = order.grid.geometry if order.grid_id else None
    point = [order.lat, order.lon] if order.lat is not None and order.lon is not None else None
    return render(
        request,
        "workorders/detail.html",
        {
            "order": order,
            "state_label": State(order.state).label,
            "state_colour": STATE_COLOURS.get(order.state, "secondary"),
            "supervision_label": Supervision(order.supervision).label if order.supervision else "",
            "supervision_colour": _supervision_colour(order.supervision),
            "category_path": forms.category_paths().get(order.category.code, order.category.name),
            "appellants": appellants,
            "assignments": assignments,
            "co_units": co_units,
            "extensions": extensions,
            "pending_extension": pending_extension,
            "attachments": attachments,
            "events": _event_rows(order),
            "action_forms": action_forms,
            "reply_result": ReplyResult(order.reply_result).label if order.reply_result else "",
            "sign_overdue": signing and order.is_sign_overdue,
            "handle_overdue": clock and order.is_overdue,
            "warned": clock and order.is_warned and not order.is_overdue,
            "merged_orders": list(order.merged_orders.values_list("pk", "code")),
            "map_config": _map_config(point=point, geometry=geometry)
            if point or geometry
            else None,
        },
        status=status,
    )


@login_required
@require_GET
def workorder_detail(request, order_id: int):
    """/workorders/<id>/: everything about one order, and the forms of exactly the actions the
    person may take on it now."""
    return _detail_page(request, _order_or_404(request.user, order_id))


@login_required
@require_POST
def workorder_act(request, order_id: int, action: str):
    """/workorders/<id>/act/<action>/: one action through its service."""
    order = _order_or_404(request.user, order_id)
    if action not in ACTIONS:
        raise Http404
    form = ACTIONS[action].interface["form"](
        request.POST, request.FILES, order=order, user=request.user, action=action
    )
    if not form.is_valid():
        messages.error(request, _("请检查填写的内容。"))
        return _detail_page(request, order, failed=(action, form), status=400)
    try:
        seen = request.POST.get("version", "")
        with services.expecting_version(int(seen) if seen.isdigit() else None):
            done = actions.perform(
                action,
                request.user,
                order.pk,
                actions.page_arguments(action, form, request.user, order),
            )
    except ServiceError as error:
        if isinstance(error, NotFound) and error.field not in form.fields:
            raise  # the 404 page
        _put_error(form, error)
        if error.status == 409:
            messages.error(
                request,
                _("工单状态已变化，未执行“%(action)s”：%(message)s")
                % {"action": _action_label(action), "message": error.message},
            )
        else:
            messages.error(request, error.message)
        order = _order_or_404(request.user, order_id)
        return _detail_page(request, order, failed=(action, form), status=error.status)
    messages.success(request, done)
    try:
        selectors.workorder_get_for(request.user, order_id)
    except NotFound:
        # e.g. escalated or returned out of this person's reach: back to the inbox
        return redirect("workorder-list")
    return redirect("workorder-detail", order_id=order_id)


@login_required
@require_GET
def attachment(request, attachment_id: int):
    """/workorders/attachments/<id>/: the file, to those who may see its work order."""
    item = Attachment.objects.filter(pk=attachment_id).first()
    if item is None:
        raise Http404
    _order_or_404(request.user, item.work_order_id)
    return _file_response(item)


def _file_response(item):
    try:
        handle = item.file.open("rb")
    except (FileNotFoundError, OSError, ValueError):
        raise Http404 from None
    inline = item.content_type.startswith(("image/", "audio/", "video/")) or (
        item.content_type == "application/pdf"
    )
    response = FileResponse(
        handle,
        content_type=item.content_type,
        as_attachment=not inline,
        filename=item.original_name or item.file.name.rsplit("/", 1)[-1],
    )
    response["Cache-Control"] = "private, max-age=3600"
    return response
