"""Widgets shared by the pages' forms."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html
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
                parts.append(format_html('<optgroup label="{}">', group))
            for option in options:
                value_attr = (
                    "" if option["value"] is None else format_html(' value="{}"', option["value"])
                )
                parts.append(
                    format_html(
                        "<option{}{}>{}</option>",
                        value_attr,
                        flatatt(option["attrs"]),
                        option["label"],
                    )
                )
            if group:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 (every piece is escaped by format_html)
