"""Writes of the knowledge base: administrators keep the entries (through the admin, which calls
these), audited like every configuration row."""

from django.utils.translation import gettext as _

from shanzhi.core.errors import InvalidInput
from shanzhi.core.services import record_delete, record_save
from shanzhi.core.text import clean_text
from shanzhi.knowledge.models import Entry


def entry_save(*, actor, entry: Entry) -> Entry:
    entry.question = clean_text(entry.question or "").strip()
    entry.answer = clean_text(entry.answer or "").strip()
    entry.category = clean_text(entry.category or "").strip()
    if not entry.question:
        raise InvalidInput(_("请填写问题"), "question")
    if not entry.answer:
        raise InvalidInput(_("请填写答复口径"), "answer")
    if entry.valid_from and entry.valid_to and entry.valid_to < entry.valid_from:
        raise InvalidInput(_("失效日期不能早于生效日期"), "valid_to")
    record_save(actor=actor, instance=entry)
    return entry


def entry_delete(*, actor, entry: Entry) -> None:
    record_delete(actor=actor, instance=entry)
