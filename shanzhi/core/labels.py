"""Chinese names for the keys that reach administrators: the audit trail's actions and object
types, and the background tasks. The keys stay stable in the database (they are part of the
hash chain and of the API); what people read comes from here. Each app registers the names of
what it writes in its AppConfig.ready, so core imports none of them; an object type without a
registered name falls back to the verbose name of the model it is named after."""

from django.apps import apps
from django.utils.translation import gettext_lazy as _

# `<object>.<verb>` actions written by core.services.record_save / record_delete and the like.
VERBS = {
    "create": _("新建%(object)s"),
    "update": _("修改%(object)s"),
    "delete": _("删除%(object)s"),
    "date_repaired": _("修复%(object)s的越界日期"),
}

_objects: dict[str, str] = {}
_actions: dict[str, str] = {}
_tasks: dict[str, str] = {}
_messages: dict[str, str] = {}


def register(*, objects=None, actions=None, tasks=None, messages=None) -> None:
    """objects: object_type → name; actions: action → name; tasks: task path → name;
    messages: the kind of an outgoing message (core.notify, the outbox) → name."""
    _objects.update(objects or {})
    _actions.update(actions or {})
    _tasks.update(tasks or {})
    _messages.update(messages or {})


def object_label(object_type: str) -> str:
    if object_type in _objects:
        return str(_objects[object_type])
    for model in apps.get_models():
        if model._meta.model_name == object_type:
            return str(model._meta.verbose_name)
    return object_type


def action_label(action: str) -> str:
    if action in _actions:
        return str(_actions[action])
    noun, _dot, verb = action.rpartition(".")
    if noun and verb in VERBS:
        named = object_label(noun)
        if named != noun:
            return VERBS[verb] % {"object": named}
    return action


def task_label(path: str) -> str:
    return str(_tasks.get(path, path))


def message_label(kind: str) -> str:
    return str(_messages.get(kind, kind))


def action_choices(actions) -> list[tuple[str, str]]:
    """(key, name) pairs for a filter over the given action keys, sorted by name."""
    return sorted(((a, action_label(a)) for a in actions), key=lambda pair: pair[1])


# How the services name actors who are not signed-in people (AuditEvent.actor_label).
ACTORS = {
    "public": _("群众（网上提交）"),
    "appellant": _("诉求人"),
    "party": _("当事人"),
    "system": _("系统"),
}


def actor_name(event) -> str:
    """Who took a step, as people read it: the person's name, else the services' label."""
    if event.actor_id and event.actor is not None:
        return event.actor.get_full_name() or event.actor.get_username()
    return str(ACTORS.get(event.actor_label, event.actor_label))
