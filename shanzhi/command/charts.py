"""Charts drawn on the server as SVG: no chart library, no CDN, printable. Labels go through
format_html, so text from the database is escaped."""

from django.utils.html import format_html, format_html_join

PALETTE = ["#a61b1b", "#d9822b", "#2b7bb9", "#3c8d40", "#7b4fa0", "#8c6d1f", "#c2185b", "#546e7a"]


def _nice_max(value: int) -> int:
    """A round upper bound for an axis."""
    if value <= 5:
        return 5
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return value


def line_chart(points: list[tuple[str, int]], *, title: str, width=640, height=180):
    """Daily volumes: a line with its area, y axis with three gridlines, a few date labels."""
    left, right, top, bottom = 36, 8, 10, 22
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = _nice_max(max((v for _, v in points), default=0))
    n = max(len(points) - 1, 1)

    def xy(i, v):
        return left + plot_w * i / n, top + plot_h * (1 - v / top_value)

    coords = [xy(i, v) for i, (_, v) in enumerate(points)]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    area = f"{left},{top + plot_h} {line} {left + plot_w},{top + plot_h}" if coords else ""
    grid = format_html_join(
        "",
        '<line x1="{}" x2="{}" y1="{}" y2="{}" class="sz-grid"/>'
        '<text x="{}" y="{}" class="sz-axis" text-anchor="end">{}</text>',
        (
            (left, left + plot_w, y, y, left - 4, y + 4, value)
            for value in (0, top_value // 2, top_value)
            for y in [round(top + plot_h * (1 - value / top_value), 1)]
        ),
    )
    step = max(len(points) // 6, 1)
    labels = format_html_join(
        "",
        '<text x="{}" y="{}" class="sz-axis" text-anchor="middle">{}</text>',
        ((round(coords[i][0], 1), height - 6, points[i][0]) for i in range(0, len(points), step)),
    )
    return format_html(
        '<svg viewBox="0 0 {w} {h}" class="sz-chart" role="img" aria-label="{t}">'
        "<title>{t}</title>{grid}"
        '<polygon points="{area}" class="sz-area"/>'
        '<polyline points="{line}" class="sz-line"/>{labels}</svg>',
        w=width,
        h=height,
        t=title,
        grid=grid,
        area=area,
        line=line,
        labels=labels,
    )


def bar_chart(items: list[tuple[str, int]], *, title: str, width=320, bar=18, gap=6):
    """Horizontal bars with their label and value, largest scale = largest value."""
    if not items:
        return format_html('<p class="text-muted small mb-0">{}</p>', "—")
    label_w, value_w = 96, 48
    plot_w = width - label_w - value_w
    top_value = max(v for _, v in items) or 1
    height = len(items) * (bar + gap)
    rows = format_html_join(
        "",
        '<text x="{}" y="{}" class="sz-axis" text-anchor="end">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}" rx="2"/>'
        '<text x="{}" y="{}" class="sz-value">{}</text>',
        (
            (
                label_w - 6,
                i * (bar + gap) + bar - 5,
                label,
                label_w,
                i * (bar + gap),
                round(max(plot_w * value / top_value, 1), 1),
                bar,
                PALETTE[i % len(PALETTE)],
                label_w + round(plot_w * value / top_value, 1) + 4,
                i * (bar + gap) + bar - 5,
                value,
            )
            for i, (label, value) in enumerate(items)
        ),
    )
    return format_html(
        '<svg viewBox="0 0 {} {}" class="sz-chart" role="img" aria-label="{}"><title>{}</title>'
        "{}</svg>",
        width,
        height,
        title,
        title,
        rows,
    )
