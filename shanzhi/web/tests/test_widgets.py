"""QuickSelect writes the same <select> as Django's Select, escaped the same way."""

from html.parser import HTMLParser

import pytest
from django import forms

from shanzhi.core.widgets import QuickSelect

CHOICES = [
    ("", "全部"),
    ("a<b", 'A & <b onclick="x">'),
    ("吴兴区", [("1", "月河街道"), ("2", '"朝阳"街道')]),
    ("3", "织里镇"),
]


class Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.items = []

    def handle_starttag(self, tag, attrs):
        self.items.append((tag, sorted(attrs, key=lambda a: a[0])))

    def handle_endtag(self, tag):
        self.items.append(("/" + tag,))

    def handle_data(self, data):
        if data.strip():
            self.items.append(("text", data))


def parsed(html: str) -> list:
    parser = Elements()
    parser.feed(html)
    return parser.items


@pytest.mark.parametrize("value", ["", "2", "a<b", None, "not a choice"])
def test_quick_select_renders_what_django_select_renders(value):
    attrs = {"class": "custom-select", "required": True, "disabled": False}
    django_html = forms.Select(choices=CHOICES, attrs=attrs).render("f", value, {"id": "id_f"})
    quick_html = QuickSelect(choices=CHOICES, attrs=attrs).render("f", value, {"id": "id_f"})
    assert parsed(quick_html) == parsed(django_html)
    assert (
        "<b onclick" not in quick_html and "A &amp; &lt;b onclick=&quot;x&quot;&gt;" in quick_html
    )
    assert quick_html.count("selected") == (0 if value == "not a choice" else 1)
