"""The rows of one chunk of days: every order taken through its life and cut at `now`."""

import random
import time
from collections import Counter
from dataclasses import dataclass, field

from shanzhi.demo.history.tables import (
    CODE_ALPHABET,
    DAY,
    DIRECT,
    DIRECT_REPLIES,
    MOBILE_PREFIXES,
    OPERATOR_CHANNELS,
    ORDER_PREFIX,
    P_MERGE,
    P_RATED,
    P_REPLY_ON_TIME,
    P_RETURN,
    P_SIGN_ON_TIME,
    P_SUSPEND,
    P_VERIFY_REJECT,
    PUBLIC,
    RATING_COMMENTS,
    REPLIES,
    TAILS,
    TRACKING_PREFIX,
    WORK_END,
    WORK_START,
)
from shanzhi.demo.history.world import Chunk, World

# -- rows -------------------------------------------------------------------------------------


_E3 = [a + b + c for a in CODE_ALPHABET for b in CODE_ALPHABET for c in CODE_ALPHABET]


def _encode7(n: int) -> str:
    """Seven code letters for a number below 32⁷, in the same order as the numbers."""
    return CODE_ALPHABET[n >> 30 & 31] + _E3[n >> 15 & 32767] + _E3[n & 32767]


@dataclass
class Rows:
    orders: list = field(default_factory=list)
    appeals: list = field(default_factory=list)
    assignments: list = field(default_factory=list)
    stats: Counter = field(default_factory=Counter)
    cpu: float = 0.0  # seconds spent making them


def generate(world: World, chunk: Chunk) -> Rows:
    """The rows of one chunk: each order taken through its life and cut at `now`."""
    started = time.process_time()
    w = world
    r = random.Random(f"{w.seed}:{chunk.index}").random
    now = w.now
    NULL, T, F = w.null, w.true, w.false
    utc_days, tod, utc0 = w.utc_days, w.tod, w.utc_day0
    day_start, is_work, work_morning = w.day_start, w.is_work, w.work_morning
    work_days, next_work_index = w.work_days, w.next_work_index
    leaves, areas, lead_of, limits_of = w.leaves, w.areas, w.lead, w.limits
    names, operators, n_names, n_ops = w.names, w.operators, len(w.names), len(w.operators)
    triage_t, sign_t, late_sign_t = w.delays["triage"], w.delays["sign"], w.delays["late_sign"]
    return_t, pause_t, late_t = w.delays["return"], w.delays["pause"], w.delays["late"]
    verify_t, rate_t = w.delays["verify"], w.delays["rate"]
    ratings_t, reasons_t, results_t = w.ratings, w.reasons, w.results
    leaf_table, sensor_table, area_table = w.leaf_table, w.sensor_leaf_table, w.area_table
    n_prefixes = len(MOBILE_PREFIXES)
    d0, n_local = day_start[0], len(day_start)
    span = max(now - w.start, 1)
    PENDING_DISPATCH, PENDING_SIGN, HANDLING = "pending_dispatch", "pending_sign", "handling"
    SUSPENDED, PENDING_VERIFY, PENDING_RATING = "suspended", "pending_verify", "pending_rating"
    ARCHIVED, MERGED = "archived", "merged"

    def ts(t):
        return utc_days[t // DAY - utc0] + tod[t % DAY]

    def local_day(t):
        d = (t - d0) // DAY  # the offset changes at most by an hour or two: correct by one
        if d + 1 < n_local and t >= day_start[d + 1]:
            return d + 1
        return d - 1 if t < day_start[d] else d

    def at_work(t):
        """t if it falls in working hours, else 08:30 of the next working morning."""
        d = local_day(t)
        s = t - day_start[d]
        if is_work[d] and s < WORK_END:
            return t if s >= WORK_START else day_start[d] + WORK_START
        return work_morning[d + 1]

    def deadline(t, amount, unit):
        if unit == "working_days":  # the end of the n-th working day after t's date
            d = local_day(t)
            n = int(amount)
            day = work_days[next_work_index[d] + n - 1] if n else (d if is_work[d] else None)
            if day is None:
                day = work_days[next_work_index[d]]
            return day_start[day] + DAY - 1
        if unit == "natural_days":
            return day_start[local_day(t) + int(amount)] + DAY - 1
        return t + int(amount * 3600)

    digits = w.digits
    rows = Rows()
    out_o, out_a, out_s, stats = rows.orders, rows.appeals, rows.assignments, rows.stats
    recent: dict = {}  # (leaf pk, village) → the last order there: a possible merge target
    states: dict = {}
    ordinal = chunk.first_ordinal

    for d, count, low, high in chunk.days:
        if not count:
            continue
        hours = w.hours_work if is_work[d] else w.hours_rest
        seconds = []
        for _ in range(count):
            for _attempt in range(20):
                s = hours[int(r() * 10_000)] * 3600 + int(r() * 3600)
                if low <= s < high:
                    break
            else:
                s = low + int(r() * (high - low))
            seconds.append(s)
        seconds.sort()
        base = day_start[d]
        yymmdd = w.yymmdd[d]  # the local date, as in intake.new_code
        channels = w.channel_tables[min(4, (base - w.start) * 5 // span)]
        for s in seconds:
            reg = base + s
            order_id = chunk.order_base + ordinal
            appeal_id = chunk.appeal_base + ordinal
            ordinal += 1
            channel = channels[int(r() * 1000)]
            if channel == "sensor":
                leaf = leaves[sensor_table[int(r() * 1000)]]
            else:
                leaf = leaves[leaf_table[int(r() * 10_000)]]
            nature = leaf.natures[int(r() * 1000)]
            u = r()
            urgency = "critical" if u < 0.004 else "urgent" if u < 0.034 else "normal"
            area = areas[area_table[int(r() * 10_000)]]
            village = area.village
            if area.lon is None or (area.grid is None and r() < 0.3):
                lon = lat = NULL
            else:
                lon = f"{area.lon + (r() * 2 - 1) * area.jitter[0]:.6f}"
                lat = f"{area.lat + (r() * 2 - 1) * area.jitter[1]:.6f}"
            address = area.addresses[int(r() * len(area.addresses))]
            titles, tails = leaf.titles[nature], TAILS[nature]
            title = titles[int(r() * len(titles))]
            content = f"{address}附近：{title}。{tails[int(r() * len(tails))]}"

            # The appellant.
            anonymous = confidential = publishable = False
            submitted = NULL
            if channel == "grid" and area.grid_worker:
                name, phone, submitted = area.grid_worker[1], "", str(area.grid_worker[0])
            elif channel in ("sensor", "assigned"):
                name = phone = ""
            elif channel in PUBLIC and r() < 0.04:
                name = phone = ""
                anonymous = True
            else:
                name = names[int(r() * n_names)]
                phone = MOBILE_PREFIXES[int(r() * n_prefixes)] + f"{int(r() * 1e8):08d}"
            if channel in OPERATOR_CHANNELS:
                operator = operators[int(r() * n_ops)]
                submitted = NULL if operator is None else str(operator)
            confidential = r() < 0.02
            publishable = channel in PUBLIC and r() < 0.35

            # The order's life, cut at `now`.
            state, version, updated = PENDING_DISPATCH, 1, reg
            lead = None
            dispatched = signed = replied = verified = closed = suspended_at = None
            sign_dl = handle_dl = warn = None
            suspended_from = sign_unit = handle_unit = reply_result = reply_text = ""
            answered, merged_into = False, None
            returns = reopens = 0
            rating = rating_comment = rated_via = ""
            rated_at = None
            # Lead assignments: [unit, state, assigned, signed, in time, replied, text, reason].
            mine = []
            key = (leaf.pk, village)
            leads = lead_of.get(key)
            stage = "triage" if leads else "done"  # no rule, no unit: it waits for the dispatcher
            disp_at = at_work(reg) + triage_t[int(r() * 1024)]
            target = recent.get(key)
            if (
                target is not None
                and reg - target[1] < 3 * DAY
                and (target[2] is None or target[2] > disp_at)
                and r() < P_MERGE
            ):
                # A duplicate: at triage the dispatcher folds it into the open order.
                if disp_at <= now:
                    state, closed, merged_into = MERGED, disp_at, target[0]
                    version, updated = 2, disp_at
                stage = "done"
            direct = DIRECT.get((nature, channel))
            if stage == "triage" and direct and r() < direct:
                answer_at = reg + 60 + int(r() * 540)
                stage = "done"
                if answer_at <= now:
                    state, answered, replied = PENDING_RATING, True, answer_at
                    verified, reply_result = answer_at, "solved"
                    reply_text = DIRECT_REPLIES[int(r() * len(DIRECT_REPLIES))]
                    version, updated = 2, answer_at
                    stage = "rating"
            redo = False  # handled again after a 不满意 rating
            while stage != "done":
                if stage == "triage":
                    stage = "done"
                    if disp_at > now:
                        break
                    misrouted = not redo and leads[2] is not None and r() < P_RETURN
                    unit, level = (leads[2], leads[3]) if misrouted else (leads[0], leads[1])
                    limits = limits_of[leaf.pk, nature, urgency, level]
                    dispatched, lead, state = disp_at, unit, PENDING_SIGN
                    version, updated = version + 1, disp_at
                    signed = replied = verified = None
                    reply_result = reply_text = ""
                    sign_unit, handle_unit = limits.sign_unit, limits.handle_unit
                    sign_dl = deadline(disp_at, limits.sign_amount, sign_unit)
                    handle_dl = deadline(disp_at, limits.handle_amount, handle_unit)
                    warn = disp_at + int((handle_dl - disp_at) * limits.warn_ratio)
                    a = [unit, "pending_sign", disp_at, None, None, None, "", ""]
                    mine.append(a)
                    if r() < P_SIGN_ON_TIME:
                        sign_at = at_work(disp_at) + sign_t[int(r() * 1024)]
                        if sign_at > sign_dl:
                            sign_at = disp_at + int((sign_dl - disp_at) * r())
                    else:
                        sign_at = sign_dl + 60 + late_sign_t[int(r() * 1024)]
                    return_at = None
                    if misrouted:
                        if r() < 0.5:  # signed for first, then found not to be theirs
                            return_at = sign_at + return_t[int(r() * 1024)]
                        else:
                            return_at = min(at_work(disp_at) + return_t[int(r() * 1024)], sign_at)
                            sign_at = None
                    if sign_at is not None and sign_at <= now:
                        signed, state = sign_at, HANDLING
                        a[1], a[3], a[4] = "signed", sign_at, T if sign_at <= sign_dl else F
                        version, updated = version + 1, sign_at
                    if misrouted:
                        if return_at > now:
                            break
                        a[1], a[7] = "returned", reasons_t[int(r() * 1000)]
                        returns += 1
                        version, updated = version + 1, return_at
                        state, lead, signed = PENDING_DISPATCH, None, None
                        sign_dl = handle_dl = warn = None
                        disp_at = at_work(return_at) + triage_t[int(r() * 1024)]
                        stage = "triage"
                        continue
                    if signed is None:
                        break
                    start = signed
                    if r() < P_SUSPEND:
                        suspend_at = signed + int((handle_dl - signed) * 0.5 * r())
                        pause = pause_t[int(r() * 1024)]
                        if suspend_at <= now:
                            version, updated = version + 1, suspend_at
                            if suspend_at + pause > now:
                                state, suspended_at, suspended_from = (
                                    SUSPENDED,
                                    suspend_at,
                                    HANDLING,
                                )
                                break
                            # Resumed: the deadlines move by the pause (natural time).
                            version, updated = version + 1, suspend_at + pause
                            handle_dl += pause
                            warn += pause
                            start = max(start, suspend_at + pause)
                    for attempt in (0, 1):
                        if r() < P_REPLY_ON_TIME and start < handle_dl:
                            u = r()
                            reply_at = start + int((handle_dl - start) * u * u)
                        else:
                            reply_at = max(handle_dl, start) + 60 + late_t[int(r() * 1024)]
                        if reply_at > now:
                            break
                        replied, state = reply_at, PENDING_VERIFY
                        reply_result = results_t[int(r() * 1000)]
                        texts = REPLIES[reply_result]
                        reply_text = texts[int(r() * len(texts))]
                        a[1], a[5], a[6] = "replied", reply_at, reply_text
                        version, updated = version + 1, reply_at
                        verify_at = at_work(reply_at) + verify_t[int(r() * 1024)]
                        if verify_at > now:
                            break
                        version, updated = version + 1, verify_at
                        if attempt == 0 and r() < P_VERIFY_REJECT:
                            # 重办: back to the lead unit with a fresh handling deadline.
                            reopens += 1
                            state, replied, a[1], a[5] = HANDLING, None, "signed", None
                            handle_dl = deadline(verify_at, limits.handle_amount, handle_unit)
                            warn = verify_at + int((handle_dl - verify_at) * limits.warn_ratio)
                            start = verify_at
                            continue
                        verified, state, stage = verify_at, PENDING_RATING, "rating"
                        break
                    continue
                # stage == "rating": the appellant rates, else it is archived unrated.
                stage = "done"
                if redo or not phone or r() >= P_RATED:
                    archive_at = verified + 7 * DAY + int(r() * 300)
                    if archive_at <= now:
                        state, closed = ARCHIVED, archive_at
                        version, updated = version + 1, archive_at
                    break
                rate_at = min(
                    at_work(verified) + rate_t[int(r() * 1024)], verified + 7 * DAY - 3600
                )
                if rate_at > now:
                    break
                rating = ratings_t[int(r() * 1000)]
                comments = RATING_COMMENTS[rating]
                rating_comment = comments[int(r() * len(comments))]
                by_phone = channel in OPERATOR_CHANNELS or r() < 0.5
                rated_via, rated_at = "phone" if by_phone else "appellant", rate_at
                version, updated = version + 1, rate_at
                if rating != "dissatisfied":
                    state, closed = ARCHIVED, rate_at
                    break
                # 不满意: back to the dispatcher, every assignment withdrawn, handled again.
                reopens += 1
                state, lead, signed, replied, verified = PENDING_DISPATCH, None, None, None, None
                sign_dl = handle_dl = warn = None
                for x in mine:
                    if x[1] in ("pending_sign", "signed", "replied"):
                        x[1] = "withdrawn"
                redo = True
                disp_at = at_work(rate_at) + triage_t[int(r() * 1024)]
                stage = "triage" if leads else "done"

            # Flags as the sweep leaves them: the clock runs until the reply (or suspension).
            warned = sign_overdue = overdue = False
            remind = reminded = None
            if handle_dl is not None:
                end = replied or suspended_at or now
                warned, overdue = warn <= end, handle_dl < end
                sign_overdue = sign_dl < (signed or suspended_at or now)
                if overdue or sign_overdue:
                    remind = work_morning[local_day(handle_dl if overdue else sign_dl) + 1]
                    if remind <= end:
                        reminded = remind
            supervision = ""
            if lead is not None:
                u = r()
                if overdue:
                    supervision = (
                        "red" if u < 0.12 else "yellow" if u < 0.3 else "normal" if u < 0.5 else ""
                    )
                elif u < 0.02:
                    supervision = "normal" if u < 0.015 else "yellow" if u < 0.018 else "red"
            if state != MERGED:
                recent[key] = (
                    order_id,
                    reg,
                    closed or verified if state in (ARCHIVED, PENDING_RATING) else None,
                    rating,
                    rating_comment,
                    rated_at,
                    rated_via,
                )
            a_rating = a_comment = a_via = ""
            a_rated = None
            if state == MERGED and target[5] and target[5] > closed:
                # The merged appellant is called back with the others.
                a_rating, a_comment, a_rated, a_via = target[3], target[4], target[5], target[6]
            elif state != MERGED:
                a_rating, a_comment, a_rated, a_via = rating, rating_comment, rated_at, rated_via

            states[state] = states.get(state, 0) + 1
            if returns or reopens or answered or overdue or supervision:
                stats["returned"] += returns
                stats["reopened"] += reopens > 0
                stats["direct"] += answered
                stats["red"] += supervision == "red"
                stats["overdue"] += overdue
            oid = str(order_id)
            out_o.append(
                (
                    oid, ORDER_PREFIX + yymmdd + _encode7(order_id), state, nature,
                    digits[leaf.pk], urgency, channel, title, content, area.code, village,
                    area.grid or NULL, address, lon, lat, digits[area.dispatch_unit],
                    NULL if lead is None else digits[lead], supervision, ts(reg),
                    ts(dispatched) if dispatched else NULL,
                    ts(signed) if signed else NULL,
                    ts(replied) if replied else NULL,
                    ts(verified) if verified else NULL,
                    ts(closed) if closed else NULL,
                    ts(sign_dl) if sign_dl else NULL,
                    ts(handle_dl) if handle_dl else NULL,
                    ts(warn) if warn else NULL,
                    ts(remind) if remind else NULL,
                    T if warned else F, T if sign_overdue else F, T if overdue else F,
                    ts(reminded) if reminded else NULL,
                    ts(suspended_at) if suspended_at else NULL,
                    suspended_from, sign_unit, handle_unit, "0", reply_result, reply_text,
                    T if answered else F, NULL if merged_into is None else str(merged_into),
                    digits[returns], digits[reopens], "0", digits[version], ts(updated),
                )
            )  # fmt: skip
            holder = oid if merged_into is None else str(merged_into)
            out_a.append(
                (
                    str(appeal_id), TRACKING_PREFIX + yymmdd + _encode7(appeal_id), holder,
                    F if merged_into else T, channel, nature, digits[leaf.pk], urgency, title,
                    content, ts(reg - 300) if channel in ("grid", "sensor") else NULL, address,
                    lon, lat, area.code, NULL, NULL, name, phone, phone,
                    T if anonymous else F, T if confidential else F, T if publishable else F,
                    submitted, "", "", "{}", "", a_rating, a_comment,
                    ts(a_rated) if a_rated else NULL, a_via, ts(reg),
                )
            )  # fmt: skip
            for unit, a_state, assigned, a_signed, in_time, a_replied, text, reason in mine:
                out_s.append(
                    (
                        oid, digits[unit], "lead", a_state, ts(assigned),
                        ts(a_signed) if a_signed else NULL, in_time or NULL,
                        ts(a_replied) if a_replied else NULL, text, reason,
                    )
                )  # fmt: skip
    stats.update(states)
    stats["orders"] += len(out_o)
    stats["appeals"] += len(out_a)
    stats["assignments"] += len(out_s)
    rows.cpu = time.process_time() - started
    return rows
