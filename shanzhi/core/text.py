"""Clean text at the edge: the one place that says which characters a person's text may carry
into the database, and how text leaves the platform in a spreadsheet (ADR 0011).

- `clean_text` strips C0 control characters except TAB and LF (CR and CRLF become LF), DEL and
  the C1 controls, and the bidirectional embedding, override and isolate characters
  (U+202A–U+202E, U+2066–U+2069), which make text display differently from what it is. NUL is
  refused, not stripped: it is never part of honest text, and the HTTP edge already refuses it.
- `CleanSchema` (every input schema of the JSON API) and `CleanTextFormMixin` (every page form)
  run it over every string they receive; channels without either (Open311 parameters, MQTT
  alarms) call `clean_text` themselves.
- `cell` turns a value into what an export writes: text is cleaned and, when a spreadsheet would
  read it as a formula, prefixed with an apostrophe (the OWASP advice for CSV/formula injection).
"""

import enum
import re
from typing import Annotated, Any

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import AfterValidator, field_validator
from pydantic_core import PydanticCustomError

# C0 controls but TAB (09) and LF (0A); CR (0D) is folded into LF first. DEL and the C1 block.
_CONTROLS = re.compile(r"[\x01-\x08\x0b-\x1f\x7f-\x9f]")
# Bidirectional embeddings and overrides (LRE RLE PDF LRO RLO) and isolates (LRI RLI FSI PDI).
_BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
# What a spreadsheet reads as the start of a formula (OWASP CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class NulCharacter(ValueError):
    """Text holding a NUL character: refused everywhere (PostgreSQL cannot store it)."""


def nul_message() -> str:
    return _("内容含有空字符（NUL），无法处理")


def clean_text(value: str) -> str:
    """The text with control and bidirectional formatting characters removed (see above).
    Raises NulCharacter when it holds a NUL."""
    if "\x00" in value:
        raise NulCharacter(nul_message())
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROLS.sub("", value)
    return _BIDI.sub("", value)


def clean_tree(value: Any) -> Any:
    """clean_text over every string inside lists and dicts (keys too)."""
    if isinstance(value, enum.Enum):
        return value
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list | tuple):
        return type(value)(clean_tree(v) for v in value)
    if isinstance(value, dict):
        return {clean_tree(k): clean_tree(v) for k, v in value.items()}
    return value


def _pydantic_clean(value: Any) -> Any:
    try:
        return clean_tree(value)
    except NulCharacter as error:
        raise PydanticCustomError("nul_character", str(error)) from None


CleanStr = Annotated[str, AfterValidator(_pydantic_clean)]


class CleanSchema(Schema):
    """Base of every input schema of the API: every string field (and every string inside a
    list or dict field) is cleaned before the view sees it."""

    @field_validator("*", mode="after")
    @classmethod
    def _clean_strings(cls, value: Any) -> Any:
        if isinstance(value, str | list | tuple | dict):
            return _pydantic_clean(value)
        return value


class CleanTextFormMixin:
    """For page forms: every text value is cleaned after the fields have validated, and a
    required field left empty by the cleaning gets the field's "required" error."""

    def clean(self):
        data = super().clean()
        for name, value in list(data.items()):
            if not isinstance(value, str | list) or isinstance(value, bytes):
                continue
            if isinstance(value, list) and not all(isinstance(v, str) for v in value):
                continue  # files and other objects
            try:
                cleaned = clean_tree(value)
            except NulCharacter as error:
                self.add_error(name, str(error))
                continue
            field = self.fields.get(name)
            emptied = isinstance(cleaned, str) and not cleaned.strip()
            if field is not None and field.required and emptied:
                self.add_error(name, field.error_messages["required"])
                continue
            data[name] = cleaned
        return data


def cell(value: Any) -> Any:
    """A value as an export writes it into a spreadsheet cell: text cleaned of control and
    bidirectional characters (openpyxl refuses C0 controls) and never a formula."""
    if not isinstance(value, str):
        return value
    value = _BIDI.sub("", _CONTROLS.sub("", value.replace("\x00", "")))
    if value.startswith(_FORMULA_START):
        return "'" + value
    return value
