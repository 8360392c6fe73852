"""Widgets shared by the pages' forms."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe


class QuickSelect(forms.Select):
    """A <select> written out directly: the same markup as Django's Select, without rendering a
    template for every <option>. The category and region lists have a hundred options or more,
    and the inbox shows them on every request (about 10 ms through the templates)."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"{}>', widget["name"], flatatt(widget["attrs"]))]
        for group, options, _index in widget["optgroups"]:
            if group:
                parts.append(f'<optgroup label="{escape(group)}">')
            for option in options:
                value_attr = (
                    "" if option["value"] is None else f' value="{escape(option["value"])}"'
                )
                extra = flatatt(option["attrs"]) if option["attrs"] else ""
                parts.append(f"<option{value_attr}{extra}>{escape(option['label'])}</option>")
            if group:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 (names, values and labels escaped above)
