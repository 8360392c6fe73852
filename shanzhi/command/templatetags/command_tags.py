from django import template

register = template.Library()


@register.filter
def percent(rate) -> str:
    """0.9567 → 95.7%; no data → —."""
    if rate is None:
        return "—"
    return f"{rate * 100:.1f}%"


@register.filter
def get_item(mapping, key):
    return mapping.get(key, "") if mapping else ""
