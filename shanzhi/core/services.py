"""Writes of the core app: the audit trail, API tokens, the working-day calendar and the DingTalk
robots; and the audited save of a configuration row that the apps' services build on."""

import copy
import datetime
import hashlib
import hmac
import json
import logging
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone
from django.utils.translation import gettext

from shanzhi.core import auditkeys
from shanzhi.core.choices import CalendarDayKind, CalendarDaySource, DeliveryChannel
from shanzhi.core.errors import Conflict, InvalidInput, NotFound
from shanzhi.core.holiday_notice import (
    FIRST_YEAR,
    LAST_YEAR,
    NoticeDay,
    ParsedNotice,
    parse_holiday_notice,
)
from shanzhi.core.middleware import current_request_id
from shanzhi.core.models import ApiToken, AuditChainHead, AuditEvent, CalendarDay, DingTalkRobot

GENESIS_HASH = "0" * 64
logger = logging.getLogger("shanzhi.audit")


def _normalise(value: Any) -> Any:
    """What the JSON column will give back: dates and decimals as strings, tuples as lists."""
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def audit_hash(event: AuditEvent, key: bytes | None = None) -> str:
    """HMAC-SHA256 with `key` (plain SHA-256 without one, as events were hashed before the chain
    was keyed) over the event's content and the previous hash, in a canonical JSON form that
    reads the same back from SQLite and PostgreSQL (sorted keys, UTC time with microseconds)."""
    payload = [
        event.pk,
        event.created_at.astimezone(datetime.UTC).isoformat(),
        event.actor_id,
        event.actor_label,
        event.action,
        event.object_type,
        str(event.object_id),
        event.before,
        event.after,
        event.reason,
        event.request_id,
        event.prev_hash,
    ]
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    if key is None:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def audit_record(
    *,
    actor,
    action: str,
    object_type: str,
    object_id: Any,
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
) -> AuditEvent:
    """Append one event to the chain. Call it inside the transaction of the change it records:
    the head row is locked until that transaction ends, so events are chained in commit order.
    Under that lock the next id is known, so the event is written once, hash included (three
    statements: lock the head, insert, move the head). The hash is keyed with the chain key
    (kept in memory after its first read, see core/auditkeys.py)."""
    key = auditkeys.chain_key(create=True)
    with transaction.atomic(savepoint=False):
        head = _locked_head()
        user = actor if getattr(actor, "is_authenticated", False) else None
        now = timezone.now()
        event = AuditEvent(
            pk=head.last_event_id + 1,
            # Milliseconds: Django's JSON serialisation keeps no more, so the chain survives a
            # dumpdata/loaddata move between databases.
            created_at=now.replace(microsecond=now.microsecond // 1000 * 1000),
            actor=user,
            actor_label=(user.get_username() if user else str(actor or "system"))[:150],
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            before=_normalise(before),
            after=_normalise(after),
            reason=reason or "",
            request_id=current_request_id.get(),
            prev_hash=head.last_hash,
        )
        event.hash = audit_hash(event, key)
        event.save(force_insert=True)
        AuditChainHead.objects.filter(pk=1).update(last_event_id=event.pk, last_hash=event.hash)
    return event


def audit_checkpoint_write(*, now: datetime.datetime | None = None) -> Path | None:
    """Sign the chain's head and write it as a checkpoint file into the anchor directory, if
    the head moved since the last checkpoint there; also queue it to
    SHANZHI_AUDIT_ANCHOR_WEBHOOK when one is set. Returns the new file, or None.

    Nothing is written to the audit chain itself (that would move the head again): the file is
    the record. Two runs at once write two files for the same head, which is harmless."""
    from shanzhi.core import outbox  # outbox records through this module

    head = AuditChainHead.objects.filter(pk=1).first()
    if head is None or head.last_event_id == 0:
        return None
    files = auditkeys.checkpoint_files()
    if files:
        try:
            last = json.loads(files[-1].read_text(encoding="utf-8"))
        except (OSError, ValueError):
            last = {}
        if isinstance(last, dict) and (last.get("event_id"), last.get("hash")) == (
            head.last_event_id,
            head.last_hash,
        ):
            return None
    count = AuditEvent.objects.filter(pk__lte=head.last_event_id).count()
    path, document = auditkeys.checkpoint_write(
        event_id=head.last_event_id,
        hash=head.last_hash,
        count=count,
        keyed_from=head.keyed_from,
        created_at=now or timezone.now(),
    )
    logger.info("audit checkpoint %s (event %s)", path.name, head.last_event_id)
    if settings.AUDIT_ANCHOR_WEBHOOK:
        with transaction.atomic():
            outbox.enqueue(
                [
                    outbox.Outgoing(
                        channel=DeliveryChannel.WEBHOOK,
                        target=settings.AUDIT_ANCHOR_WEBHOOK,
                        kind="audit.checkpoint",
                        payload=document,
                        object_type="audit_checkpoint",
                        object_id=str(head.last_event_id),
                    )
                ]
            )
    return path


def _locked_head() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:  # a flushed database; migrations create the row
        AuditChainHead.objects.get_or_create(pk=1)
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    return head


def api_token_create(*, user, name: str = "", actor=None) -> str:
    """Create a token for `user` and return it in clear; only its hash is kept."""
    token = "sz_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        row = ApiToken.objects.create(
            user=user,
            name=name,
            key_hash=hashlib.sha256(token.encode()).hexdigest(),
            prefix=token[:8],
        )
        audit_record(
            actor=actor or "cli",
            action="api_token.create",
            object_type="api_token",
            object_id=row.pk,
            after={"user": user.get_username(), "name": name, "prefix": row.prefix},
        )
    return token


# Recently seen tokens: digest → (valid until, user). Machine clients send one request after
# another with the same token. Revoking one bumps the shared generation "tokens"
# (core.generations), so every process forgets them all at its next request.
TOKEN_MEMORY_SECONDS = 30
_recent_tokens: dict[str, tuple[float, object]] = {}
_tokens_generation = {"seen": None}


def api_token_authenticate(token: str):
    """The user a bearer token belongs to, or None. Records when the token was last used."""
    from shanzhi.core import generations

    generation = generations.current("tokens")
    if generation != _tokens_generation["seen"]:
        _recent_tokens.clear()
        _tokens_generation["seen"] = generation
    digest = hashlib.sha256(token.encode()).hexdigest()
    seen = _recent_tokens.get(digest)
    if seen is not None and seen[0] > time.monotonic():
        return copy.copy(seen[1])  # each request gets its own user object
    row = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=digest, revoked=False, user__is_active=True)
        .first()
    )
    if row is None:
        return None
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at > datetime.timedelta(minutes=5):
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    if len(_recent_tokens) > 10_000:
        _recent_tokens.clear()
    _recent_tokens[digest] = (time.monotonic() + TOKEN_MEMORY_SECONDS, copy.copy(row.user))
    return row.user


def forget_tokens(*, everywhere: bool = True) -> None:
    """After a revocation: this process at once, and (`everywhere`) every other one at its
    next request."""
    _recent_tokens.clear()
    if everywhere:
        from shanzhi.core import generations

        generations.bump("tokens")


def calendar_day_set(
    *,
    actor,
    date: datetime.date,
    kind: str,
    name: str = "",
    reason: str = "",
    source: str = CalendarDaySource.ADMIN,
) -> CalendarDay:
    """An administrator marks a date as holiday or make-up working day (by hand, source ADMIN,
    or by importing the State Council's notice, source NOTICE)."""
    from shanzhi.core import workdays

    if kind not in CalendarDayKind.values:
        raise InvalidInput(gettext("未知的日期类型"), "kind")
    if source not in CalendarDaySource.values:
        raise InvalidInput(gettext("未知的来源"), "source")
    with transaction.atomic():
        existing = CalendarDay.objects.filter(date=date).first()
        before = (
            {"kind": existing.kind, "name": existing.name, "source": existing.source}
            if existing
            else None
        )
        day, _ = CalendarDay.objects.update_or_create(
            date=date,
            defaults={"kind": kind, "name": name, "source": source},
        )
        audit_record(
            actor=actor,
            action="calendar_day.set",
            object_type="calendar_day",
            object_id=date.isoformat(),
            before=before,
            after={"kind": kind, "name": name, "source": source},
            reason=reason,
        )
    transaction.on_commit(workdays.clear_cache)
    return day


def calendar_day_remove(*, actor, date: datetime.date, reason: str = "") -> None:
    """Remove an exception: the date follows the Monday–Friday rule again."""
    from shanzhi.core import workdays

    with transaction.atomic():
        existing = CalendarDay.objects.filter(date=date).first()
        if existing is None:
            return
        existing.delete()
        audit_record(
            actor=actor,
            action="calendar_day.remove",
            object_type="calendar_day",
            object_id=date.isoformat(),
            before={"kind": existing.kind, "name": existing.name, "source": existing.source},
            reason=reason,
        )
    transaction.on_commit(workdays.clear_cache)


def calendar_seed_from_package(*, actor="system") -> int:
    """Insert the holidays and make-up days that `chinese-calendar` knows. Dates an administrator
    entered or imported from a notice are left as they are; provisional rows of a year the
    package now knows (after an upgrade) give way to it. Returns how many dates were added."""
    import chinese_calendar

    from shanzhi.core import workdays

    chinese_names = {holiday.value: holiday.chinese for holiday in chinese_calendar.Holiday}
    known_years = sorted({day.year for day in chinese_calendar.holidays})
    with transaction.atomic():
        superseded = CalendarDay.objects.filter(
            source=CalendarDaySource.PROVISIONAL, date__year__in=known_years
        ).delete()[0]
        existing = set(CalendarDay.objects.values_list("date", flat=True))
        rows = []
        for day, name in chinese_calendar.holidays.items():
            if day.weekday() < 5 and day not in existing:
                label = chinese_names.get(name, name or "")
                rows.append(CalendarDay(date=day, kind=CalendarDayKind.HOLIDAY, name=label))
        for day, name in chinese_calendar.workdays.items():
            if day.weekday() >= 5 and day not in existing:
                label = chinese_names.get(name, name or "") + "调休"
                rows.append(CalendarDay(date=day, kind=CalendarDayKind.WORKDAY, name=label))
        for row in rows:
            row.source = CalendarDaySource.PACKAGE
        CalendarDay.objects.bulk_create(rows, batch_size=500)
        if rows or superseded:
            after = {"added": len(rows), "years": sorted({r.date.year for r in rows})}
            if superseded:
                after["provisional_removed"] = superseded
            audit_record(
                actor=actor,
                action="calendar.seed",
                object_type="calendar",
                object_id="chinese-calendar",
                after=after,
            )
    transaction.on_commit(workdays.clear_cache)
    return len(rows)


# "休息日（由 2026-01-04 调休）": a rest day of the `holidays` package that names its make-up day.
_MADE_UP_FOR = re.compile(r"由\s*(\d{4}-\d{2}-\d{2})\s*调休")


def calendar_provisional_seed(*, actor, year: int) -> int:
    """Rule-based rows for a year whose official arrangement is not known yet, from the
    `holidays` package (holidays.China): the festivals and their rule-based extra days, and,
    where the package names a make-up working day ("休息日（由 … 调休）"), that day too. Source
    PROVISIONAL: deadlines count them, the warnings go on (workdays.covered_years), and the
    import of the State Council's notice replaces them. Dates already in the table are left as
    they are. Returns how many dates were added."""
    import holidays

    from shanzhi.core import workdays

    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidInput(gettext("年份 %(year)d 不在可接受的范围内。") % {"year": year}, "year")
    workdays.clear_cache()
    if year in workdays.covered_years():
        raise Conflict(
            gettext("%(year)d 年已有正式的节假日安排，不需要临时日历。") % {"year": year}, "year"
        )
    wanted: dict[datetime.date, tuple[str, str]] = {}
    for day, name in sorted(holidays.China(years=year, language="zh_CN").items()):
        made_up = _MADE_UP_FOR.search(name)
        if made_up:
            workday = datetime.date.fromisoformat(made_up.group(1))
            wanted.setdefault(workday, (CalendarDayKind.WORKDAY, gettext("调休上班")))
        wanted.setdefault(day, (CalendarDayKind.HOLIDAY, name[:64]))
    existing = set(CalendarDay.objects.values_list("date", flat=True))
    rows = [
        CalendarDay(date=day, kind=kind, name=name, source=CalendarDaySource.PROVISIONAL)
        for day, (kind, name) in sorted(wanted.items())
        if day not in existing
        and (day.weekday() >= 5) == (kind == CalendarDayKind.WORKDAY)  # exceptions only
    ]
    with transaction.atomic():
        CalendarDay.objects.bulk_create(rows, ignore_conflicts=True)
        audit_record(
            actor=actor,
            action="calendar.provisional",
            object_type="calendar",
            object_id=str(year),
            after={"added": len(rows), "year": year, "holidays": holidays.__version__},
        )
    transaction.on_commit(workdays.clear_cache)
    return len(rows)


def calendar_seed(*, actor="system", today: datetime.date | None = None) -> int:
    """The seeding that `shanzhi up` and `shanzhi manage seed_calendar` run: every year the
    `chinese-calendar` package knows, then provisional rows (calendar_provisional_seed) for each
    watched year that still lacks its official arrangement: this year always, next year from
    November 1st (workdays.watched_years). Returns how many dates were added."""
    from shanzhi.core import workdays

    added = calendar_seed_from_package(actor=actor)
    workdays.clear_cache()
    for year in workdays.missing_years(today or timezone.localdate()):
        if year not in workdays.provisional_years():
            added += calendar_provisional_seed(actor=actor, year=year)
    return added


def calendar_gaps_notify(today: datetime.date | None = None) -> int:
    """A message (DingTalk's global robot, else the local backend) to every active user who may
    import the State Council's notice (add, change and delete calendar days), for each watched
    year without its official arrangement. Run daily by the calendar job, so administrators hear
    of it every day from November 1st until they import it. Returns how many were sent."""
    from django.contrib.auth import get_user_model

    from shanzhi.core import workdays
    from shanzhi.core.checks import calendar_gaps
    from shanzhi.core.notify import Message, notify_all

    workdays.clear_cache()  # the seeding just before may have added provisional rows
    gaps = calendar_gaps(today)
    if not gaps:
        return 0
    users = get_user_model().objects
    may_import = set.intersection(
        *(
            set(
                users.with_perm(
                    f"core.{verb}_calendarday", backend="django.contrib.auth.backends.ModelBackend"
                ).values_list("pk", flat=True)
            )
            for verb in ("add", "change", "delete")
        )
    )
    messages = []
    for gap in gaps:
        meanwhile = "暂按规则推算的临时日历（不含调休上班）" if gap.provisional else "按周一至周五"
        text = (
            f"【善治】工作日历缺少 {gap.year} 年的法定节假日安排，办理时限{meanwhile}计算。"
            "请在管理后台“工作日历”中粘贴国务院办公厅的放假通知导入。"
        )
        messages += [
            Message(
                kind="calendar.missing",
                text=text,
                user_id=user_id,
                object_type="calendar",
                object_id=str(gap.year),
            )
            for user_id in sorted(may_import)
        ]
    with transaction.atomic():
        notify_all(messages)
    return len(messages)


@dataclass
class NoticePlanRow:
    """One date of the notice and what importing it does to the table."""

    day: NoticeDay
    existing: CalendarDay | None

    @property
    def writes(self) -> bool:
        return self.day.is_exception

    @property
    def unchanged(self) -> bool:
        old = self.existing
        return bool(
            old
            and (old.kind, old.name, old.source)
            == (self.day.kind, self.day.name, CalendarDaySource.NOTICE)
        )


@dataclass
class NoticePlan:
    """What importing a notice would do: its dates (each with the row it replaces), the
    provisional or earlier-notice rows of its year that go, and the rows of its year that an
    administrator or the package entered and the notice does not mention, which stay."""

    notice: ParsedNotice
    rows: list[NoticePlanRow]
    removals: list[CalendarDay]
    kept: list[CalendarDay]

    @property
    def year(self) -> int:
        return self.notice.year

    @property
    def writes(self) -> list[NoticePlanRow]:
        return [row for row in self.rows if row.writes and not row.unchanged]


def calendar_notice_plan(
    *, text: str, year: int | None = None, today: datetime.date | None = None
) -> NoticePlan:
    """Parse the State Council's notice and compare it with the table; writes nothing. Refuses
    (InvalidInput) unreadable text and a notice for a year other than this one or the next."""
    notice = parse_holiday_notice(text, year=year)
    today = today or timezone.localdate()
    if notice.year not in (today.year, today.year + 1):
        raise InvalidInput(
            gettext(
                "只能导入今年或明年（%(this)d 或 %(next)d 年）的安排，这份通知是 %(year)d 年的。"
            )
            % {"this": today.year, "next": today.year + 1, "year": notice.year},
            "year",
        )
    dates = {day.date for day in notice.days}
    existing = {
        row.date: row
        for row in CalendarDay.objects.filter(Q(date__year=notice.year) | Q(date__in=dates))
    }
    rows = [NoticePlanRow(day=day, existing=existing.get(day.date)) for day in notice.days]
    written = {row.day.date for row in rows if row.writes}
    replaceable = (CalendarDaySource.PROVISIONAL, CalendarDaySource.NOTICE)
    of_year = sorted(
        (row for row in existing.values() if row.date.year == notice.year), key=lambda r: r.date
    )
    return NoticePlan(
        notice=notice,
        rows=rows,
        removals=[r for r in of_year if r.source in replaceable and r.date not in written],
        kept=[r for r in of_year if r.source not in replaceable and r.date not in dates],
    )


def calendar_notice_import(
    *, actor, text: str, year: int | None = None, today: datetime.date | None = None
) -> NoticePlan:
    """Write the notice's holidays on weekdays and its make-up working days on weekends through
    calendar_day_set (source NOTICE, each audited), and remove the year's provisional rows and
    those of an earlier import that the notice no longer has: all of it or, on a refusal,
    nothing."""
    with transaction.atomic():
        plan = calendar_notice_plan(text=text, year=year, today=today)
        reason = gettext("国务院办公厅关于%(year)d年部分节假日安排的通知") % {"year": plan.year}
        for row in plan.removals:
            calendar_day_remove(actor=actor, date=row.date, reason=reason)
        for row in plan.writes:
            calendar_day_set(
                actor=actor,
                date=row.day.date,
                kind=row.day.kind,
                name=row.day.name,
                reason=reason,
                source=CalendarDaySource.NOTICE,
            )
        audit_record(
            actor=actor,
            action="calendar.import_notice",
            object_type="calendar",
            object_id=str(plan.year),
            after={
                "year": plan.year,
                "written": len(plan.writes),
                "removed": len(plan.removals),
            },
        )
    return plan


def api_token_revoke(*, actor, token_id: int) -> None:
    with transaction.atomic():
        updated = ApiToken.objects.filter(pk=token_id, revoked=False).update(revoked=True)
        transaction.on_commit(forget_tokens)
        if updated:
            audit_record(
                actor=actor,
                action="api_token.revoke",
                object_type="api_token",
                object_id=token_id,
                before={"revoked": False},
                after={"revoked": True},
            )


def api_token_update(*, actor, token_id: int, name: str, revoked: bool) -> ApiToken:
    """Rename a token, or revoke it (as the admin's token screen does). A revoked token is never
    valid again: a client that needs access gets a new one."""
    name = (name or "").strip()
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(pk=token_id).first()
        if token is None:
            raise NotFound()
        if token.revoked and not revoked:
            raise InvalidInput(gettext("已吊销的令牌不能恢复，请新建令牌"), "revoked")
        if name != token.name:
            before = token.name
            token.name = name
            token.save(update_fields=["name"])
            audit_record(
                actor=actor,
                action="api_token.rename",
                object_type="api_token",
                object_id=token.pk,
                before={"name": before},
                after={"name": name},
            )
        if revoked and not token.revoked:
            api_token_revoke(actor=actor, token_id=token.pk)
            token.revoked = True
    return token


def changed_fields(before: dict, after: dict) -> tuple[dict, dict]:
    """The entries of two snapshots that differ, for an audit event of an update."""
    keys = [k for k in after if before.get(k) != after[k]]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def _field_values(instance, names: list[str]) -> dict:
    return {name: getattr(instance, name) for name in names}


REDACTED = "***"


def _redacted(values: dict | None, names) -> dict | None:
    if values is None:
        return None
    return {k: (REDACTED if k in names and v else v) for k, v in values.items()}


def record_save(*, actor, instance, reason: str = "", redact=()) -> None:
    """Save a configuration row (one without rules of its own beyond its app's service, which
    checks them first), auditing `<model>.create` with its values or `<model>.update` with the
    fields that changed. The apps' services call it; the admin never does. Fields named in
    `redact` (secrets, URLs with tokens) are audited as changed, not by value."""
    model = type(instance)
    names = [f.attname for f in model._meta.concrete_fields if f.attname not in ("created_at",)]
    name = model._meta.model_name
    change = not instance._state.adding
    with transaction.atomic():
        before = None
        if change:
            before = model.objects.filter(pk=instance.pk).values(*names).first()
        instance.save()
        after = _field_values(instance, names)
        if before is not None:
            before, after = changed_fields(before, after)
        audit_record(
            actor=actor,
            action=f"{name}.{'update' if change else 'create'}",
            object_type=name,
            object_id=instance.pk,
            before=_redacted(before, redact),
            after=_redacted(after, redact),
            reason=reason,
        )


def record_delete(*, actor, instance, reason: str = "", redact=()) -> None:
    """Delete a configuration row, auditing its values; a row others still point at is refused
    (Conflict) and stays."""
    model = type(instance)
    names = [f.attname for f in model._meta.concrete_fields]
    name = model._meta.model_name
    with transaction.atomic():
        pk = instance.pk
        before = _redacted(_field_values(instance, names), redact)
        try:
            with transaction.atomic():
                instance.delete()
        except ProtectedError:
            raise Conflict(
                gettext("%(obj)s 仍被其他数据引用，不能删除。") % {"obj": instance}
            ) from None
        audit_record(
            actor=actor,
            action=f"{name}.delete",
            object_type=name,
            object_id=pk,
            before=before,
            reason=reason,
        )


# The address of a DingTalk robot holds its access token; the secret signs its messages.
ROBOT_SECRETS = ("webhook_url", "secret")


def dingtalk_robot_save(*, actor, robot: DingTalkRobot) -> DingTalkRobot:
    """A unit's DingTalk group robot as an administrator entered it; its address and secret are
    audited as changed, never by value. Notifications to the unit use it at once."""
    from shanzhi.core.notify import robot_units

    record_save(actor=actor, instance=robot, redact=ROBOT_SECRETS)
    transaction.on_commit(robot_units.clear)
    return robot


def dingtalk_robot_delete(*, actor, robot: DingTalkRobot) -> None:
    from shanzhi.core.notify import robot_units

    record_delete(actor=actor, instance=robot, redact=ROBOT_SECRETS)
    transaction.on_commit(robot_units.clear)
