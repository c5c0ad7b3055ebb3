"""Small SVG charts drawn on the server and shown as <img src="data:..."> (strict CSP, and they print)."""

import base64
from collections.abc import Callable, Sequence
from xml.sax.saxutils import escape

BAR = "#2f6f5e"
MUTED = "#5b6770"
FONT = 'font-family="Helvetica, Arial, sans-serif"'


def _data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _svg(width: int, height: int, body: list[str], title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img"><title>{escape(title)}</title>'
            f'<rect width="{width}" height="{height}" fill="#ffffff"/>{"".join(body)}</svg>')


def bar_chart(rows: Sequence[tuple[str, float]], *, title: str, fmt: Callable[[float], str] = str,
              width: int = 640) -> str | None:
    """Horizontal bars, one per (label, value), largest value full width; None when there is nothing to draw."""
    rows = [(str(label), value or 0) for label, value in rows]
    if not rows or max(value for _l, value in rows) <= 0:
        return None
    top = max(value for _l, value in rows)
    label_width, value_width, row_height = 200, 110, 30
    bar_space = width - label_width - value_width
    body = []
    for index, (label, value) in enumerate(rows):
        y = 8 + index * row_height
        length = max(1, round(bar_space * value / top)) if value > 0 else 0
        short = label if len(label) <= 28 else label[:27] + "…"
        body.append(f'<text x="{label_width - 8}" y="{y + 18}" text-anchor="end" font-size="14" {FONT} '
                    f'fill="#1d2327">{escape(short)}</text>')
        body.append(f'<rect x="{label_width}" y="{y + 4}" width="{length}" height="20" rx="3" fill="{BAR}"/>')
        body.append(f'<text x="{label_width + length + 6}" y="{y + 18}" font-size="13" {FONT} '
                    f'fill="{MUTED}">{escape(fmt(value))}</text>')
    return _data_uri(_svg(width, 16 + len(rows) * row_height, body, title))


def column_chart(points: Sequence[tuple[str, float]], *, title: str, fmt: Callable[[float], str] = str,
                 width: int = 640, height: int = 220, label_every: int = 1) -> str | None:
    """Vertical columns over time (days, months); every `label_every`-th label is written under its column."""
    points = [(str(label), value or 0) for label, value in points]
    if not points:
        return None
    top = max(value for _l, value in points) or 1
    left, bottom, right, head = 44, 34, 8, 14
    plot_width, plot_height = width - left - right, height - bottom - head
    step = plot_width / len(points)
    body = [f'<line x1="{left}" y1="{head + plot_height}" x2="{width - right}" y2="{head + plot_height}" '
            f'stroke="#c9d1d6"/>',
            f'<text x="{left - 6}" y="{head + 5}" text-anchor="end" font-size="14" {FONT} '
            f'fill="{MUTED}">{escape(fmt(top))}</text>',
            f'<line x1="{left}" y1="{head}" x2="{width - right}" y2="{head}" stroke="#eef1f3"/>']
    for index, (label, value) in enumerate(points):
        bar_height = round(plot_height * value / top)
        x = left + index * step
        if bar_height:
            body.append(f'<rect x="{x + step * 0.15:.1f}" y="{head + plot_height - bar_height}" '
                        f'width="{step * 0.7:.1f}" height="{bar_height}" fill="{BAR}"/>')
        if index % label_every == 0:
            body.append(f'<text x="{x + step / 2:.1f}" y="{height - 12}" text-anchor="middle" font-size="14" '
                        f'{FONT} fill="{MUTED}">{escape(label)}</text>')
    return _data_uri(_svg(width, height, body, title))
