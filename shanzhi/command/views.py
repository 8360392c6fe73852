"""Pages of the command centre: the dashboard, the KPI tables with the work orders behind each
number, the monthly assessment (红黑榜) and report, and the Excel exports."""

import datetime
import tempfile

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from shanzhi.command import charts, selectors, services
from shanzhi.command.choices import KPIS, MEASURES, Measure, PeriodKind
from shanzhi.command.models import Assessment
from shanzhi.core.errors import Forbidden, InvalidInput, NotFound, ServiceError
from shanzhi.core.pagination import CappedPaginator
from shanzhi.core.privacy import mask_phone
from shanzhi.core.replica import reads_from_replica
from shanzhi.core.text import cell
from shanzhi.interop.selectors import open_alarm_events
from shanzhi.territory.choices import territory_prefix
from shanzhi.territory.selectors import map_base
from shanzhi.workorders.choices import Channel, Nature, State
from shanzhi.workorders.models import Appeal, Category

LIST_PAGE = 50
EXPORT_MAX = 200_000


def _question(request):
    """The checked scope and period of a request, or the error page (400 / 404)."""
    selectors.require_viewer(request.user)
    scope = selectors.parse_scope(request.user, request.GET)
    period = selectors.parse_period(request.GET)
    return scope, period


def _error(request, error: ServiceError):
    if isinstance(error, (NotFound, Forbidden)):
        raise error  # the 404 / 403 page (core.middleware.ServiceErrorMiddleware)
    return render(
        request,
        "400.html",
        {"message": error.message, "field": getattr(error, "field", "")},
        status=400,
    )


def _links(scope, period) -> dict:
    base = {**scope.params, **period.as_params()}
    url = reverse("command-orders")
    return {m: url + "?" + urlencode({**base, "measure": m}) for m in MEASURES}


# --- the dashboard --------------------------------------------------------------------------


def _dashboard_context(scope) -> dict:
    now = timezone.localtime()
    board = selectors.dashboard(scope)
    month, volumes_month, volumes_today, trend = (
        board.month,
        board.this_month,
        board.today,
        board.trend,
    )
    # 红黑榜 of the last complete month: five days into a month, its scores rest on a handful
    # of orders (the assessment page opens on the same month).
    ranked_month = month.previous()
    year = selectors.parse_period({"period": "year"})
    units = selectors.unit_table(scope, ranked_month)
    top_units, bottom_units = selectors.red_black([row for row in units if row.rank is not None])
    channel_labels, nature_labels = dict(Channel.choices), dict(Nature.choices)
    return {
        "scope": scope,
        "month": month,
        "now": now,
        "live": board.live,
        "today": volumes_today,
        "this_month": volumes_month,
        "today_channels": [
            (str(channel_labels.get(c, c)), n)
            for c, n in sorted(volumes_today["channels"].items(), key=lambda x: -x[1])
        ],
        "month_natures": [
            (str(nature_labels.get(c, c)), n)
            for c, n in sorted(volumes_month["natures"].items(), key=lambda x: -x[1])
        ],
        "month_channels_chart": charts.bar_chart(
            [
                (str(channel_labels.get(c, c)), n)
                for c, n in sorted(volumes_month["channels"].items(), key=lambda x: -x[1])
            ],
            title=_("本月来源渠道"),
        ),
        "kpis": board.kpis,
        "avg_hours": selectors.average_handling_hours(board.month_figures),
        "trend_chart": charts.line_chart(
            [(f"{d:%m-%d}", n) for d, n in trend], title=_("近90天受理量")
        ),
        "trend_total": sum(n for _, n in trend),
        "category_chart": charts.bar_chart(board.categories, title=_("本月事项分类")),
        "ranked_month": ranked_month,
        "top_units": top_units,
        "bottom_units": bottom_units,
        "urgent": selectors.urgent_latest(scope),
        "links": _links(scope, month),
        "today_link": _links(scope, selectors.parse_period({"period": "day"}))[Measure.REGISTERED],
        "live_links": {
            name: reverse("command-orders") + "?" + urlencode({**scope.params, "live": name})
            for name in LIVE_LABELS
        },
        "children": selectors.regions_below(scope),
        "lag": services.rollups_lag(),
        "year": year,
        "disputes": selectors.mediation_figures(scope, year, details=False),
    }


@login_required
@reads_from_replica
def dashboard(request):
    """一屏展示: the viewer's territory (or a region inside it) at a glance; the page fetches
    its own body again every 30 s (?partial=1) without reloading."""
    try:
        selectors.require_viewer(request.user)
        scope = selectors.parse_scope(request.user, request.GET)
    except ServiceError as error:
        return _error(request, error)
    context = _dashboard_context(scope)
    if request.GET.get("partial"):
        return render(request, "command/_dashboard_partial.html", context)
    context["map_config"] = {
        **map_base(),
        "gridsUrl": "/api/v1/grids" + (f"?within={scope.region.code}" if scope.region else ""),
        "layerUrl": reverse("command-map") + "?" + urlencode(scope.params),
        "ordersUrl": reverse("workorder-list") + "?box=all&region=",
        "orderUrl": "/workorders/",
        "centre": [scope.region.lat, scope.region.lon]
        if scope.region and scope.region.lat is not None
        else None,
    }
    context["big"] = request.GET.get("screen") == "big"
    return render(request, "command/dashboard.html", context)


@login_required
@reads_from_replica
def map_layer(request):
    """Per grid: appeals this month and open overdue orders; open sensor events with points."""
    try:
        selectors.require_viewer(request.user)
        scope = selectors.parse_scope(request.user, request.GET)
    except ServiceError as error:
        return JsonResponse({"detail": error.message}, status=error.status)
    month = selectors.month_period(timezone.localdate())
    layer = selectors.grid_layer(scope, month)
    # Open incidents opened by sensor alarms (the territory is the viewer's, checked above).
    events = [
        {
            "id": e.work_order_id,
            "code": e.code,
            "title": f"{e.alarm_type_label} · {e.device_name}",
            "lon": e.lon,
            "lat": e.lat,
            "urgency": e.urgency,
            "count": e.count,
            "at": timezone.localtime(e.last_at).strftime("%m-%d %H:%M"),
        }
        for e in open_alarm_events(scope.prefix, limit=200)
    ]
    return JsonResponse({**layer, "events": events})


# --- the mediation centre's figures ---------------------------------------------------------


@login_required
@reads_from_replica
def mediation(request):
    """矛调统计: the disputes of a territory and period (this year unless asked): the KPIs, the
    intake by source and type, and every mediation organisation's figures."""
    try:
        scope, period = _question(request)
        if "period" not in request.GET:
            period = selectors.parse_period({"period": "year"})
    except ServiceError as error:
        return _error(request, error)
    return render(
        request,
        "command/mediation.html",
        {
            "scope": scope,
            "period": period,
            "periods": PeriodKind.choices,
            "figures": selectors.mediation_figures(scope, period),
            "orgs": selectors.org_table(scope, period),
            "children": selectors.regions_below(scope),
            "period_query": urlencode(period.as_params()),
        },
    )


# --- KPI tables -----------------------------------------------------------------------------


@login_required
@reads_from_replica
def kpi_table(request):
    """A KPI table for any territory, unit, category subtree, channel and period: by unit (the
    ranking) or by sub-region (drill-down)."""
    try:
        scope, period = _question(request)
    except ServiceError as error:
        return _error(request, error)
    by = request.GET.get("by") or "unit"
    if by not in ("unit", "region"):
        return _error(request, InvalidInput(_("分组方式应为单位或区域"), "by"))
    total = selectors.figures(scope, period)[()]
    previous = selectors.figures(scope, period.previous())[()]
    context = {
        "scope": scope,
        "period": period,
        "by": by,
        "kpis": selectors.kpis_of(total, previous),
        "total": total,
        "avg_hours": selectors.average_handling_hours(total),
        "links": _links(scope, period),
        "kpi_defs": KPIS,
        "periods": PeriodKind.choices,
        "channels": Channel.choices,
        "categories": Category.objects.filter(depth__lte=2).order_by("path"),
        "children": selectors.regions_below(scope),
        "query": request.GET.urlencode(),
    }
    if by == "unit":
        context["rows"] = [
            {
                "label": row.unit.name,
                "sub": row.unit.region_id,
                "values": row.values,
                "kpis": row.kpis,
                "score": row.score,
                "rank": row.rank,
                "links": _links(
                    selectors.Scope(
                        region=scope.region,
                        unit=row.unit,
                        prefix="",
                        params={**scope.params, "unit": str(row.unit.pk)},
                    ),
                    period,
                ),
            }
            for row in selectors.unit_table(scope, period)
        ]
    else:
        context["rows"] = [
            {
                "label": row["name"],
                "sub": row["code"],
                "drill": "?" + urlencode({**request.GET.dict(), "region": row["code"]}),
                "values": row["values"],
                "kpis": row["kpis"],
                "score": None,
                "rank": None,
                "links": _links(
                    selectors.Scope(
                        region=None,
                        prefix=territory_prefix(row["code"]),
                        params={**scope.params, "region": row["code"]},
                    ),
                    period,
                ),
            }
            for row in selectors.region_table(scope, period)
        ]
    return render(request, "command/kpis.html", context)


@login_required
@reads_from_replica
def orders(request):
    """The work orders behind one figure: a measure of a KPI table (`measure` with a period),
    or a live figure of the dashboard (`live`: open, overdue, warned, red)."""
    live = request.GET.get("live") or ""
    try:
        scope, period = _question(request)
        if live:
            queryset = selectors.live_orders(scope, live)
            title, period_label = LIVE_LABELS[live], _("当前")
        else:
            measure = request.GET.get("measure") or ""
            queryset = selectors.orders_behind(scope, period, measure)
            title, period_label = Measure(measure).label, period.label
    except ServiceError as error:
        return _error(request, error)
    queryset = queryset.select_related("category", "lead_unit").order_by("-registered_at", "-id")
    page = CappedPaginator(queryset, LIST_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "command/orders.html",
        {"scope": scope, "title": title, "period_label": period_label, "page": page},
    )


# The dashboard's live tiles and the lists they link to (selectors.live_condition).
LIVE_LABELS = {
    "open": gettext_lazy("在办工单"),
    "overdue": gettext_lazy("超期工单"),
    "warned": gettext_lazy("临期预警"),
    "red": gettext_lazy("红牌督办"),
}


# --- assessment -------------------------------------------------------------------------------


def _month_param(request) -> selectors.Period:
    raw = request.GET.get("month") or request.POST.get("month") or ""
    if not raw:
        first = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
        return selectors.month_period(first)
    return selectors.parse_period({"period": "month", "date": raw})


@login_required
def assessment(request):
    """月度考核: the ranking of every handling unit by score, with the change from last month.
    A published month shows its frozen rows; otherwise the live figures as a preview."""
    try:
        selectors.require_viewer(request.user)
        scope = selectors.parse_scope(request.user, request.GET)
        month = _month_param(request)
    except ServiceError as error:
        return _error(request, error)
    frozen = list(
        Assessment.objects.filter(month=month.start, unit__in=selectors.handling_units(scope))
        .select_related("unit")
        .order_by("rank", "unit__name")
    )
    previous_ranks = dict(
        Assessment.objects.filter(month=month.previous().start).values_list("unit_id", "rank")
    )
    if frozen:
        rows = [
            {
                "unit": a.unit,
                "below_minimum": a.rank is None and a.score is not None,
                "dispatched": a.figures.get("dispatched", 0),
                "score": float(a.score) if a.score is not None else None,
                "rank": a.rank,
                "kpis": selectors.kpis_of(a.figures),
                "red_cards": a.figures.get("red_cards", 0),
                "previous_rank": previous_ranks.get(a.unit_id),
            }
            for a in frozen
        ]
    else:
        rows = [
            {
                "unit": r.unit,
                "below_minimum": r.below_minimum,
                "dispatched": r.values["dispatched"],
                "score": r.score,
                "rank": r.rank,
                "kpis": r.kpis,
                "red_cards": r.values["red_cards"],
                "previous_rank": r.previous_rank,
            }
            for r in selectors.unit_table(scope, month, with_previous=True)
        ]
    for row in rows:
        if row["rank"] and row["previous_rank"]:
            row["change"] = row["previous_rank"] - row["rank"]
    red, black = selectors.red_black([r for r in rows if r["rank"]])
    return render(
        request,
        "command/assessment.html",
        {
            "scope": scope,
            "month": month,
            "rows": [r for r in rows if r["rank"]],
            "apart": [r for r in rows if not r["rank"]],
            "min_dispatched": selectors.min_dispatched(),
            "red": red,
            "black": black,
            "published": frozen[0] if frozen else None,
            "drift": selectors.assessment_drift(month),
            "may_publish": selectors.may_publish(request.user),
            "rules": selectors.kpi_rules(),
            "kpi_defs": KPIS,
            "print": request.GET.get("print"),
        },
    )


@login_required
def assessment_unit(request, unit_id: int):
    """得分说明: how one unit's score of the month is made, KPI by KPI, from its figures and the
    scoring rules (the published figures once the month is published)."""
    try:
        selectors.require_viewer(request.user)
        scope = selectors.parse_scope(request.user, request.GET)
        month = _month_param(request)
    except ServiceError as error:
        return _error(request, error)
    unit = selectors.handling_units(scope).filter(pk=unit_id).first()
    if unit is None:
        raise Http404
    frozen = Assessment.objects.filter(month=month.start, unit=unit).first()
    if frozen:
        values, rank = frozen.figures, frozen.rank
    else:
        row = next(r for r in selectors.unit_table(scope, month) if r.unit.pk == unit.pk)
        values, rank = row.values, row.rank
    explained = selectors.score_explained(values, selectors.kpi_rules())
    minimum = selectors.min_dispatched()
    return render(
        request,
        "command/assessment_unit.html",
        {
            "scope": scope,
            "month": month,
            "unit": unit,
            "rank": rank,
            "explained": explained,
            "dispatched": values[Measure.DISPATCHED],
            "min_dispatched": minimum,
            "below_minimum": values[Measure.DISPATCHED] < minimum,
            "published": frozen,
            "score_changed": bool(
                frozen
                and frozen.score is not None
                and explained.total is not None
                and abs(float(frozen.score) - explained.total) >= 0.005
            ),
        },
    )


@login_required
def grid_workers(request):
    """网格员考核: the grid workers of the territory over a period."""
    try:
        scope, period = _question(request)
    except ServiceError as error:
        return _error(request, error)
    return render(
        request,
        "command/grid_workers.html",
        {
            "scope": scope,
            "period": period,
            "rows": selectors.grid_worker_table(scope, period),
            "periods": PeriodKind.choices,
        },
    )


@require_POST
@login_required
def assessment_publish(request):
    if not selectors.may_publish(request.user):
        raise PermissionDenied
    try:
        scope = selectors.parse_scope(request.user, request.POST)
        month = _month_param(request)
        services.assessment_publish(actor=request.user, scope=scope, month=month)
    except ServiceError as error:
        return _error(request, error)
    return redirect(
        reverse("command-assessment") + "?" + urlencode({**scope.params, "month": month.label})
    )


# --- exports ----------------------------------------------------------------------------------


def _xlsx_response(
    rows, *, title: str, header: list[str], filename: str, percent_columns=frozenset()
) -> FileResponse:
    """Write rows into a write-only workbook (constant memory) in a temporary file and stream
    that file. Every value goes through `cell`: text is never a formula and carries no control
    character (ADR 0011), whatever is stored. Rates (in `percent_columns`, by index) stay
    numbers and are shown as percentages by the cell's number format."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    sheet.append([cell(value) for value in header])

    def out(index, value):
        if index in percent_columns and value is not None:
            rate = WriteOnlyCell(sheet, value=value)
            rate.number_format = "0.0%"
            return rate
        return cell(value)

    for row in rows:
        sheet.append([out(i, value) for i, value in enumerate(row)])
    handle = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it when sent)
    book.save(handle)
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@login_required
@reads_from_replica
def export_kpis(request):
    try:
        scope, period = _question(request)
    except ServiceError as error:
        return _error(request, error)
    header = [_("单位"), _("得分"), _("排名")]
    for kpi in KPIS:
        header += [str(kpi.label), _("分子"), _("分母")]
    rows = []
    for row in selectors.unit_table(scope, period):
        line = [row.unit.name, round(row.score, 2) if row.score is not None else None, row.rank]
        for value in row.kpis:
            line += [
                round(value.rate, 4) if value.rate is not None else None,
                value.numerator,
                value.denominator,
            ]
        rows.append(line)
    rates = frozenset(3 + 3 * i for i in range(len(KPIS)))  # after 单位, 得分, 排名
    return _xlsx_response(
        rows,
        title=period.label,
        header=header,
        filename=f"kpi-{period.label}.xlsx",
        percent_columns=rates,
    )


@login_required
@reads_from_replica
def export_orders(request):
    """The console's work-order list with its filters, as Excel (phones masked)."""
    from shanzhi.workorders import forms as workorder_forms
    from shanzhi.workorders import selectors as workorder_selectors

    box = request.GET.get("box") or "all"
    if box not in workorder_selectors.INBOXES:
        raise Http404
    form = workorder_forms.FilterForm(request.GET, user=request.user)
    if not form.is_valid():
        message = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        return _error(request, InvalidInput(message, "filters"))
    queryset = workorder_selectors.apply_filters(
        workorder_selectors.inbox(request.user, box), form.filters()
    )
    phone = Appeal.objects.filter(work_order=OuterRef("pk"), is_primary=True).values(
        "appellant_phone"
    )[:1]
    queryset = (
        queryset.annotate(phone=Subquery(phone))
        .order_by("-registered_at", "-id")
        .values_list(
            "code",
            "registered_at",
            "channel",
            "nature",
            "category__name",
            "title",
            "area_code",
            "lead_unit__name",
            "state",
            "handle_deadline",
            "is_overdue",
            "phone",
        )[:EXPORT_MAX]
    )
    labels = {
        "channel": dict(Channel.choices),
        "nature": dict(Nature.choices),
        "state": dict(State.choices),
    }

    def local(moment):
        return timezone.localtime(moment).replace(tzinfo=None) if moment else None

    rows = (
        [
            code,
            local(registered),
            str(labels["channel"].get(channel, channel)),
            str(labels["nature"].get(nature, nature)),
            category,
            title,
            area,
            lead or "",
            str(labels["state"].get(state, state)),
            local(deadline),
            _("是") if overdue else "",
            mask_phone(phone or ""),
        ]
        for (
            code,
            registered,
            channel,
            nature,
            category,
            title,
            area,
            lead,
            state,
            deadline,
            overdue,
            phone,
        ) in queryset.iterator(chunk_size=2000)
    )
    header = [
        _("工单编号"),
        _("受理时间"),
        _("来源渠道"),
        _("诉求性质"),
        _("事项分类"),
        _("标题"),
        _("区域编码"),
        _("主办单位"),
        _("状态"),
        _("办结期限"),
        _("超期"),
        _("联系电话"),
    ]
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return _xlsx_response(rows, title=_("工单"), header=header, filename=f"workorders-{stamp}.xlsx")
