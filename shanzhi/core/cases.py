"""The case kit: what every kind of case shares, whatever its domain.

A *case* is a row that moves through states by actions people take on it: a work order today; a
mediation case, a hazard, a deliberation topic or an emergency task tomorrow. Each kind declares
itself once as a `CaseKind` and its actions once in an `Actions` registry; the kit then gives every
action the same steps, in one transaction:

1. `lock` the bare row (FOR UPDATE without joins, then read with what the guards need);
2. refuse a stale view (`expecting_version`: the page's hidden field or the API's If-Match) with
   409;
3. check the action's guard: `Forbidden` (403) when the person's role or relation to the case
   does not allow it, `Conflict` (409) when the case's state does not;
4. `save` the changed fields with `update_fields`, bump the version, write the audit event and
   publish the domain event `"<kind>.<action>"` (subscribers run in the same transaction);

and, for reading: the actions a person may take now (`Actions.allowed`), the case's `timeline`
from the audit trail, and the kind's inbox counts (`inbox_counts`).

The kit knows nothing of any domain: roles and relations come from `org.access.Actor`, which the
kind's guards ask; see docs/architecture.md "Adding a domain app"."""

import contextlib
import contextvars
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shanzhi.core import events, inbox_counts
from shanzhi.core.errors import Conflict, Forbidden, NotFound, ServiceError
from shanzhi.core.ids import parse_id
from shanzhi.core.models import AuditEvent
from shanzhi.core.services import audit_record

# The version of the case the person was looking at when they acted (a page's hidden field or an
# API client's If-Match). Set with `expecting_version`; actions refuse a newer case with 409.
_expected_version: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "expected_version", default=None
)


@contextlib.contextmanager
def expecting_version(version: int | None):
    token = _expected_version.set(version)
    try:
        yield
    finally:
        _expected_version.reset(token)


def version_expected() -> bool:
    """Whether the person said which version of the case they acted on."""
    return _expected_version.get() is not None


@dataclass
class Context:
    """What a guard looks at: the locked case and the person. A kind that needs more (say the
    co-handling units) subclasses it and loads the rest once per action."""

    case: Any
    actor: Any

    @classmethod
    def load(cls, case, actor) -> "Context":
        return cls(case=case, actor=actor)


@dataclass(frozen=True)
class Inbox:
    """A list of cases waiting for someone: its label and which cases are in it for an actor."""

    label: str
    cases_for: Callable[[Any], Q]


@dataclass(frozen=True)
class CaseKind:
    """One kind of case. `name` is its audit `object_type` and the prefix of its events; the model
    has an integer primary key, a `state` field and a `version` field."""

    name: str
    model: type[models.Model]
    # "工单", "调解案件": named in the messages of refusals
    noun: str
    # the states as TextChoices, for their labels in messages
    states: type[models.TextChoices]
    # the audit action names of the kind (a TextChoices): each is declared as the domain event
    # "<name>.<action>", published when a change is saved under it
    actions: type[models.TextChoices]
    # what the guards and the action read, joined after the lock
    related: tuple[str, ...] = ()
    context: type[Context] = Context
    # who sees which cases (the actor's visible cases), for inbox counts
    visible_to: Callable[[Any], models.QuerySet] | None = None
    inboxes: dict[str, Inbox] = field(default_factory=dict)

    def __post_init__(self):
        for action in self.actions.values:
            events.declare(
                f"{self.name}.{action}",
                f"case, actor, at: {self.actions(action).label} of a {self.name}",
            )

    def event(self, action: str) -> str:
        """The domain event published when an action of this kind is saved."""
        return f"{self.name}.{self.actions(action).value}"

    # -- the steps of an action ----------------------------------------------------------

    def lock(self, case_id):
        """The case, locked until the transaction ends (PostgreSQL; SQLite's IMMEDIATE
        transactions already serialise writers), so two people acting at once are applied one
        after the other.

        The bare row is locked first and only then read with what the action needs: under FOR
        UPDATE with joins, PostgreSQL re-checks a row that another transaction changed against the
        joined rows as they were, which gave a work order whose lead_unit was None while
        lead_unit_id was set (a sign-for racing a re-dispatch), or no row at all."""
        missing = _("%(noun)s不存在") % {"noun": self.noun}
        case_id = parse_id(case_id)
        if case_id is None:
            raise NotFound(missing)
        objects = self.model._default_manager
        if not list(objects.select_for_update().filter(pk=case_id).values_list("pk")):
            raise NotFound(missing)
        case = objects.select_related(*self.related).filter(pk=case_id).first()
        if case is None:
            raise NotFound(missing)
        return case

    def check_version(self, case) -> None:
        expected = _expected_version.get()
        if expected is not None and expected != case.version:
            raise Conflict(
                _(
                    "%(noun)s在您查看之后已被他人更新（第 %(seen)s 版 → 第 %(now)s 版），"
                    "请刷新后再操作"
                )
                % {"noun": self.noun, "seen": expected, "now": case.version}
            )

    def require_state(self, case, *states: str) -> None:
        if case.state not in states:
            raise Conflict(
                _("%(noun)s当前状态为“%(state)s”，不能执行此操作（可能已被他人处理，请刷新）")
                % {"noun": self.noun, "state": self.states(case.state).label}
            )

    def save(
        self,
        case,
        fields: list[str],
        *,
        actor,
        action: str,
        before: dict,
        after: dict,
        reason: str = "",
        at=None,
    ):
        """Save the changed fields, bump the version, record the action in the audit trail and
        publish "<kind>.<action>" to the subscribers, all in the caller's transaction."""
        case.version = F("version") + 1
        update = [*dict.fromkeys(fields), "version"]
        if any(f.name == "updated_at" for f in case._meta.concrete_fields):
            update.append("updated_at")
        case.save(update_fields=update)
        case.refresh_from_db(fields=["version"])
        audit_record(
            actor=actor,
            action=action,
            object_type=self.name,
            object_id=case.pk,
            before=before,
            after=after,
            reason=reason,
        )
        events.publish(f"{self.name}.{action}", case=case, actor=actor, at=at or timezone.now())
        return case

    def begin(self, case_id, user, action: str) -> Context:
        """Lock the case and check the action's guard (see `Actions.begin`). Services call it on
        the kind, because the registry, which also names the services, is built above them."""
        return self.registry().begin(case_id, user, action)

    def allowed(self, user, case) -> list[str]:
        return self.registry().allowed(user, case)

    def registry(self) -> "Actions":
        try:
            return _registries[self.name]
        except KeyError:
            raise LookupError(
                f"no actions registered for {self.name}: import its actions module in the app's "
                "AppConfig.ready()"
            ) from None

    # -- reading -------------------------------------------------------------------------

    def timeline(self, case_id) -> list[AuditEvent]:
        """The case's history from the audit trail, oldest first: its actions, not the records
        of who looked at it."""
        return list(
            AuditEvent.objects.filter(
                object_type=self.name, object_id=str(case_id), action__in=self.actions.values
            )
            .select_related("actor")
            .order_by("pk")
        )

    def inbox_counts(self, actor) -> dict[str, int]:
        """How many visible cases wait in each of the kind's inboxes for this actor: from a
        counter an app above registered for the kind (`core.inbox_counts`), else counted on the
        rows."""
        kept = inbox_counts.counted(self.name, actor.user)
        if kept is not None:
            return kept
        visible = (
            self.visible_to(actor)
            if self.visible_to is not None
            else self.model._default_manager.all()
        )
        return {
            name: visible.filter(inbox.cases_for(actor)).count()
            for name, inbox in self.inboxes.items()
        }


def require(allowed: bool, message: str) -> None:
    """A guard's role check: 403 with the message when not allowed."""
    if not allowed:
        raise Forbidden(message)


@dataclass(frozen=True)
class CaseAction:
    """One action on a kind of case, declared once. The kit needs the name, label and guard;
    what the pages and the API build from it rides along in `interface` (a form class, an input
    schema, how their data become the service's arguments, the message after success), so that
    adding an action touches one place."""

    name: str
    label: str
    guard: Callable[[Context], None]
    service: Callable[..., Any] | None = None
    interface: dict[str, Any] = field(default_factory=dict)


_registries: dict[str, "Actions"] = {}


class Actions:
    """The registry of one kind's actions, in the order people usually meet them. `actor_of`
    turns a user into what the guards ask (`org.access.Actor.of`)."""

    def __init__(self, kind: CaseKind, actor_of: Callable[[Any], Any]):
        self.kind = kind
        self.actor_of = actor_of
        self._actions: dict[str, CaseAction] = {}
        _registries[kind.name] = self

    def add(self, name: str, guard, *, label: str = "", service=None, **interface) -> CaseAction:
        if name in self._actions:
            raise ValueError(f"action {name!r} of {self.kind.name} declared twice")
        if name not in self.kind.actions.values:
            raise ValueError(f"action {name!r} is not one of {self.kind.name}'s actions")
        action = CaseAction(
            name=name,
            label=label or str(self.kind.actions(name).label),
            guard=guard,
            service=service,
            interface=interface,
        )
        self._actions[name] = action
        return action

    def __getitem__(self, name: str) -> CaseAction:
        return self._actions[name]

    def __contains__(self, name) -> bool:
        return name in self._actions

    def __iter__(self):
        return iter(self._actions.values())

    def names(self) -> list[str]:
        return list(self._actions)

    def context(self, case, user) -> Context:
        return self.kind.context.load(case, self.actor_of(user))

    def allowed(self, user, case) -> list[str]:
        """The actions this person may take on the case now, in the registry's order."""
        ctx = self.context(case, user)
        allowed = []
        for action in self._actions.values():
            try:
                action.guard(ctx)
            except ServiceError:
                continue
            allowed.append(action.name)
        return allowed

    def begin(self, case_id, user, name: str) -> Context:
        """Lock the case and check the action's guard: the first step of every action. A stale
        view is a conflict (409), whatever the guard would now say of the person's role."""
        ctx = self.context(self.kind.lock(case_id), user)
        self.kind.check_version(ctx.case)
        self._actions[name].guard(ctx)
        return ctx
