"""The mediation pages: the mediator's inbox, the window's intake form and the case page with
its actions. Thin: selectors to read, services (through the action registry) to write."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shanzhi.core import throttle
from shanzhi.core.cases import expecting_version
from shanzhi.core.errors import Forbidden, NotFound, ServiceError
from shanzhi.core.labels import action_label, actor_name
from shanzhi.core.pagination import CappedPaginator
from shanzhi.mediation import actions, forms, selectors, services
from shanzhi.mediation.actions import ACTIONS
from shanzhi.mediation.case import MEDIATION
from shanzhi.mediation.choices import Action, DisputeState, SessionState
from shanzhi.mediation.models import Evidence
from shanzhi.org.access import Actor
from shanzhi.org.choices import MEDIATION_OVERSIGHT_ROLES, MEDIATION_ROLES
from shanzhi.workorders.services.uploads import Upload

PAGE_SIZE = 30
FIELD_NAMES = {"parties": "applicant_name", "mediator": "mediator"}


def _put_error(form, error: ServiceError) -> None:
    field = FIELD_NAMES.get(error.field, error.field)
    if field.startswith("parties["):
        field = "respondent_name" if ".name" in field and "[1]" in field else "applicant_name"
        if error.field.endswith(".phone"):
            field = "applicant_phone" if "[0]" in error.field else "respondent_phone"
    form.add_error(field if field in form.fields else None, error.message)


def _require_staff(user) -> Actor:
    actor = Actor.of(user)
    if not actor.has_role(MEDIATION_ROLES | MEDIATION_OVERSIGHT_ROLES) and not hasattr(
        user, "mediator"
    ):
        raise PermissionDenied
    return actor


@login_required
@require_GET
def case_list(request):
    """/mediation/: the inboxes (待分派, 我调解的, 临近期限) and every visible case."""
    actor = _require_staff(request.user)
    box = request.GET.get("box", "")
    cases = selectors.cases_visible_to(request.user).select_related(
        "dispute_type", "dispatch_unit", "lead_unit", "mediator"
    )
    counts = MEDIATION.inbox_counts(actor)
    tabs = [{"box": "", "label": _("全部"), "count": None, "active": box == ""}]
    for name, inbox in MEDIATION.inboxes.items():
        tabs.append(
            {"box": name, "label": inbox.label, "count": counts[name], "active": box == name}
        )
    if box in MEDIATION.inboxes:
        cases = cases.filter(MEDIATION.inboxes[box].cases_for(actor))
    paginator = CappedPaginator(cases.order_by("-registered_at", "-pk"), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "mediation/list.html",
        {
            "tabs": tabs,
            "box": box,
            "page": page,
            "capped": paginator.capped,
            "may_register": bool(selectors.registering_orgs(request.user)),
        },
    )


def _intake_form(request, data=None):
    orgs = selectors.registering_orgs(request.user)
    if not orgs:
        raise PermissionDenied
    regions = selectors.window_regions(orgs)
    return forms.IntakeForm(data, orgs=orgs, types=selectors.dispute_types(), regions=regions), orgs


@login_required
@require_http_methods(["GET", "POST"])
def case_new(request):
    """/mediation/new/: 窗口受理, a walk-in dispute taken in at the centre's window."""
    form, _orgs = _intake_form(request, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.case_register(
                actor_user=request.user,
                data=services.CaseInput(
                    dispute_type_code=data["dispute_type"],
                    title=data["title"],
                    facts=data["facts"],
                    request=data["request"],
                    region_code=data["region"],
                    address=data["address"],
                    amount=data["amount"],
                    people_involved=data["people_involved"],
                    is_major=data["is_major"],
                    is_group=data["is_group"],
                    org_id=data["org"],
                    parties=[services.PartyInput(**party) for party in form.parties()],
                ),
            )
        except ServiceError as error:
            _put_error(form, error)
        else:
            messages.success(request, _("已受理，案件编号 %(code)s") % {"code": case.code})
            return redirect("mediation-detail", case_id=case.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "mediation/new.html", {"form": form}, status=status)


def _form_kwargs(case, name: str) -> dict:
    """What an action's form offers: the county's available mediators to assign, the
    scheduled sessions to record."""
    if name == Action.ASSIGN:
        return {"mediators": selectors.assignable_mediators(case)}
    if name == Action.RECORD:
        return {"sessions": case.sessions.filter(state=SessionState.SCHEDULED)}
    if name == Action.SIGN:
        return {"parties": case.parties.filter(confirmed_at__isnull=True)}
    return {}


def _action_forms(request, case, failed=None) -> list[dict]:
    items = []
    for name in MEDIATION.allowed(request.user, case):
        action = ACTIONS[name]
        kwargs = _form_kwargs(case, name)
        if name == Action.RECORD and not kwargs["sessions"].exists():
            continue  # nothing scheduled to record yet
        form = failed[1] if failed and failed[0] == name else action.interface["form"](**kwargs)
        items.append({"action": name, "label": action.label, "form": form})
    return items


def _detail_page(request, case, *, failed=None, status=200):
    unmasked = selectors.sees_parties(request.user, case)
    parties = selectors.parties_of(case, unmasked=unmasked)
    if unmasked and parties:
        services.parties_viewed(actor=request.user, case=case)
    allowed = MEDIATION.allowed(request.user, case)
    return render(
        request,
        "mediation/detail.html",
        {
            "case": case,
            "parties": parties,
            "masked": not unmasked,
            "sessions": case.sessions.all(),
            "consultations": case.consultations.all(),
            "confirmation": selectors.confirmation_of(case),
            "evidence": selectors.evidence_of(case, unmasked=unmasked),
            "similar": selectors.similar_cases(request.user, case),
            "timeline": [
                {
                    "at": event.created_at,
                    "actor": actor_name(event),
                    "label": action_label(event.action),
                    "reason": event.reason,
                }
                for event in MEDIATION.timeline(case.pk)
            ],
            "action_forms": _action_forms(request, case, failed),
            "recommendations": (
                selectors.recommend(case)
                if Action.ASSIGN in allowed and case.state == DisputeState.PENDING
                else []
            ),
        },
        status=status,
    )


@login_required
@require_GET
def case_detail(request, case_id: int):
    return _detail_page(request, selectors.case_get_for(request.user, case_id))


@login_required
@require_POST
def case_act(request, case_id: int, action: str):
    """/mediation/<id>/act/<action>/: one action through its service."""
    case = selectors.case_get_for(request.user, case_id)
    if action not in ACTIONS:
        raise Http404
    form_class = ACTIONS[action].interface["form"]
    kwargs = _form_kwargs(case, action)
    form = form_class(request.POST, request.FILES, **kwargs)
    if not form.is_valid():
        messages.error(request, _("请检查填写的内容。"))
        return _detail_page(request, case, failed=(action, form), status=400)
    try:
        seen = request.POST.get("version", "")
        with expecting_version(int(seen) if seen.isdigit() else None):
            actions.perform(action, request.user, case.pk, form.cleaned_data)
    except ServiceError as error:
        if isinstance(error, NotFound) and error.field not in form.fields:
            raise
        _put_error(form, error)
        messages.error(request, error.message)
        case = selectors.case_get_for(request.user, case_id)
        return _detail_page(request, case, failed=(action, form), status=error.status)
    messages.success(request, ACTIONS[action].interface["done"])
    try:
        selectors.case_get_for(request.user, case_id)
    except NotFound:
        return redirect("mediation-list")  # escalated out of this person's reach
    return redirect("mediation-detail", case_id=case_id)


def _track_page(request, track, case, status, **failed):
    """The parties' page: the case the code and four digits opened, with its forms (a refused
    one as it was sent, with its errors; the others fresh, carrying the code and digits)."""
    initial = _tracked(track, case)
    context = {
        "form": track,
        "case": selectors.public_view(case) if case else None,
        "rate_form": forms.PublicRatingForm(initial=initial),
        "evidence_form": forms.PublicEvidenceForm(initial=initial),
        "confirm_form": forms.PublicConfirmForm(initial=initial),
    }
    context.update(failed)
    return render(request, "mediation/track.html", context, status=status)


def _tracked(form, case) -> dict:
    """The code and the four digits that opened the case, for the forms that follow."""
    if case is None:
        return {}
    return {"code": form.cleaned_data["code"], "phone_tail": form.cleaned_data["phone_tail"]}


@require_GET
def case_track(request):
    """/mediation/track/: a party follows their case with its code and four digits of their
    phone (public, phone first). Counted with the appeals' tracking: one rate per address, and
    wrong tries per code per day."""
    form = forms.TrackForm(request.GET or None)
    case = None
    status = 200
    if request.GET and form.is_valid():
        wait = throttle.hit(request, "track", settings.TRACK_RATE)
        if wait is not None:
            form.add_error(None, _("查询过于频繁，请稍后再试"))
            return throttle.refused_page(request, wait, "mediation/track.html", {"form": form})
        try:
            case = services.case_track(
                code=form.cleaned_data["code"], phone_tail=form.cleaned_data["phone_tail"]
            )
        except ServiceError as error:
            form.add_error(None, error.message)
            status = error.status
    elif request.GET:
        status = 400
    return _track_page(request, form, case, status)


@login_required
@require_GET
def agreement_print(request, case_id: int):
    """/mediation/<id>/agreement/: the 人民调解协议书 of an agreed case, a clean page to print and
    sign. Only the case's own mediation staff print it (it carries the parties in full)."""
    case = selectors.case_get_for(request.user, case_id)
    if case.state != DisputeState.AGREED:
        raise Http404
    if not selectors.sees_parties(request.user, case):
        raise PermissionDenied
    parties = selectors.parties_of(case, unmasked=True)
    services.parties_viewed(actor=request.user, case=case)
    return render(
        request,
        "mediation/agreement.html",
        {
            "case": case,
            "applicants": [p for p in parties if p["role"] != "respondent"],
            "respondents": [p for p in parties if p["role"] == "respondent"],
            "org": case.lead_unit or case.dispatch_unit,
        },
    )


@require_http_methods(["GET", "POST"])
def case_apply(request):
    """/mediation/apply/?org=<id>: the public's application (网上申请), opened by scanning an
    organisation's 解纷码. No sign-in; limited per address (SHANZHI_MEDIATION_APPLY_RATE)."""
    org = selectors.window_org(request.GET.get("org"))
    if org is None:
        raise Http404
    data = request.POST if request.method == "POST" else None
    form = forms.ApplyForm(
        data, types=selectors.dispute_types(), regions=selectors.window_regions([org])
    )
    if request.method == "POST" and form.is_valid():
        wait = throttle.hit(request, "mediation-apply", settings.MEDIATION_APPLY_RATE)
        if wait is not None:
            return throttle.refused_page(request, wait)
        cleaned = form.cleaned_data
        try:
            case = services.case_apply(
                data=services.CaseInput(
                    dispute_type_code=cleaned["dispute_type"],
                    title=cleaned["title"],
                    facts=cleaned["facts"],
                    request=cleaned["request"],
                    region_code=cleaned["region"],
                    address=cleaned["address"],
                    amount=cleaned["amount"],
                    people_involved=cleaned["people_involved"],
                    org_id=org.pk,
                    parties=[services.PartyInput(**party) for party in form.parties()],
                )
            )
        except ServiceError as error:
            _put_error(form, error)
        else:
            return render(request, "mediation/apply_done.html", {"case": case, "org": org})
    status = 400 if request.method == "POST" else 200
    return render(request, "mediation/apply.html", {"form": form, "org": org}, status=status)


@login_required
@require_GET
def window_codes(request):
    """/mediation/codes/: the 解纷码 of the organisations at whose window this person works, to
    print and put up: each opens the application form for that organisation."""
    import segno

    orgs = selectors.registering_orgs(request.user)
    if not orgs:
        raise PermissionDenied
    codes = []
    for org in orgs:
        url = request.build_absolute_uri(reverse("mediation-apply") + f"?org={org.pk}")
        codes.append(
            {"org": org, "url": url, "svg": segno.make(url, error="m").svg_inline(scale=5)}
        )
    return render(request, "mediation/codes.html", {"codes": codes})


@require_POST
def case_track_confirm(request):
    """/mediation/track/confirm/: a party confirms the agreement with the code sent to their
    phone (code and four digits sent again, hidden); the page is shown again with the result."""
    form = forms.PublicConfirmForm(request.POST)
    track = forms.TrackForm(
        {"code": request.POST.get("code", ""), "phone_tail": request.POST.get("phone_tail", "")}
    )
    wait = throttle.hit(request, "track", settings.TRACK_RATE)
    if wait is not None:
        return throttle.refused_page(request, wait, "mediation/track.html", {"form": track})
    case, status = None, 400
    if form.is_valid() and track.is_valid():
        data = form.cleaned_data
        try:
            case = services.party_confirm_agreement(
                code=data["code"], phone_tail=data["phone_tail"], confirm_code=data["confirm_code"]
            )
        except ServiceError as error:
            form.add_error("confirm_code" if error.field else None, error.message)
            status = error.status
            if not isinstance(error, NotFound | Forbidden):  # a wrong tail is not tried again
                case = services.case_track(
                    code=track.cleaned_data["code"], phone_tail=track.cleaned_data["phone_tail"]
                )
        else:
            messages.success(request, _("您已确认调解协议"))
            status = 200
    return _track_page(
        request, track, case, status, **({"confirm_form": form} if status != 200 else {})
    )


@require_POST
def case_track_evidence(request):
    """/mediation/track/evidence/: a party's evidence from the tracking page (code and four
    digits sent again, hidden); the page is shown again with the result."""
    form = forms.PublicEvidenceForm(request.POST, request.FILES)
    track = forms.TrackForm(
        {"code": request.POST.get("code", ""), "phone_tail": request.POST.get("phone_tail", "")}
    )
    wait = throttle.hit(request, "track", settings.TRACK_RATE)
    if wait is not None:
        return throttle.refused_page(request, wait, "mediation/track.html", {"form": track})
    case, status = None, 400
    if form.is_valid() and track.is_valid():
        data = form.cleaned_data
        try:
            case = services.party_evidence_add(
                code=data["code"],
                phone_tail=data["phone_tail"],
                uploads=[Upload(name=f.name, file=f, size=f.size) for f in data["files"]],
                description=data["description"],
            )
        except ServiceError as error:
            form.add_error("files" if error.field == "files" else None, error.message)
            status = error.status
            if not isinstance(error, NotFound | Forbidden):  # a wrong tail is not tried again
                case = services.case_track(
                    code=track.cleaned_data["code"], phone_tail=track.cleaned_data["phone_tail"]
                )
        else:
            messages.success(request, _("证据已提交，调解员会看到"))
            status = 200
    return _track_page(
        request, track, case, status, **({"evidence_form": form} if status != 200 else {})
    )


@login_required
@require_GET
def evidence_file(request, evidence_id: int):
    """/mediation/evidence/<id>/: a file of evidence, to those who see the case's parties in
    full (its own mediation staff); the view is logged."""
    item = Evidence.objects.select_related("case").filter(pk=evidence_id).first()
    if item is None:
        raise Http404
    case = selectors.case_get_for(request.user, item.case_id)  # not visible: the same 404
    if not selectors.sees_parties(request.user, case):
        raise Http404
    try:
        handle = item.file.open("rb")
    except (FileNotFoundError, OSError, ValueError):
        raise Http404 from None
    services.evidence_viewed(actor=request.user, item=item)
    response = FileResponse(
        handle,
        content_type=item.content_type,
        as_attachment=item.content_type not in INLINE_TYPES,
        filename=item.original_name or item.file.name.rsplit("/", 1)[-1],
    )
    response["Cache-Control"] = "private, no-store"
    return response


INLINE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf")


@require_POST
def case_track_rate(request):
    """/mediation/track/rate/: a party's rating from the tracking page (code and four digits
    sent again, hidden); the page is shown again with the result."""
    form = forms.PublicRatingForm(request.POST)
    track = forms.TrackForm(
        {"code": request.POST.get("code", ""), "phone_tail": request.POST.get("phone_tail", "")}
    )
    wait = throttle.hit(request, "track", settings.TRACK_RATE)
    if wait is not None:
        return throttle.refused_page(request, wait, "mediation/track.html", {"form": track})
    case, status, retrack = None, 400, track.is_valid()
    if form.is_valid() and track.is_valid():
        data = form.cleaned_data
        try:
            case = services.case_rate(
                code=data["code"],
                phone_tail=data["phone_tail"],
                rating=data["rating"],
                comment=data["comment"],
            )
        except ServiceError as error:
            form.add_error("comment" if error.field == "comment" else None, error.message)
            status = error.status
            # A wrong code or tail (or a locked code) is not tried again: that would count twice.
            retrack = not isinstance(error, NotFound | Forbidden)
        else:
            messages.success(request, _("感谢您的评价"))
            status = 200
    if case is None and retrack:
        try:  # show the case again, with the refusal, if the code and tail still open it
            case = services.case_track(
                code=track.cleaned_data["code"], phone_tail=track.cleaned_data["phone_tail"]
            )
        except ServiceError:
            case = None
    return _track_page(request, track, case, status, rate_form=form)
