"""English is available: the compiled catalog holds every entry of the source catalog."""

import gettext
import re
from pathlib import Path

from django.conf import settings

PO = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"


def _po_msgids(text: str) -> list[str]:
    """msgids of the .po, joined across continuation lines (header and obsolete ones skipped)."""
    ids, current, in_id = [], None, False
    for line in text.splitlines():
        if line.startswith("#~"):
            continue
        if line.startswith("msgid "):
            current, in_id = [line[6:]], True
        elif line.startswith('"') and in_id:
            current.append(line)
        else:
            if in_id and current is not None:
                ids.append("".join(s.strip()[1:-1] for s in current))
            in_id = False
    return [i.encode().decode("unicode_escape").encode("latin-1").decode() for i in ids if i]


def test_the_compiled_english_catalog_translates_every_entry():
    msgids = _po_msgids(PO.read_text(encoding="utf-8"))
    assert len(msgids) > 100
    with PO.with_suffix(".mo").open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)
    untranslated = [
        m for m in msgids if catalog.gettext(m) == m and re.search(r"[\u4e00-\u9fff]", m)
    ]
    assert untranslated == []
