"""Charts of the impact report as SVG made on the server: a diverging
stacked bar per wave of a statement, low ratings left of the middle and high
ones right of it. Each chart has a title and a description; the report puts
a table of the same figures beside it."""

from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from .figures import BANDS, band_label

WIDTH = 640
#: The bars start here; each wave's name is above its bar, however long.
LABEL = 24
#: A row: the wave's name, then its bar.
ROW = 48
NAME = 16
BAR = 20
TOP = 4
#: Room for the percentages under the bars.
AXIS = 24
#: Half the bar area: 100 % on either side of the middle.
HALF = (WIDTH - LABEL - 24) / 2
MIDDLE = LABEL + HALF
#: Low to high, a diverging scheme that reads in greyscale and for the
#: colour-blind (ColorBrewer RdBu); the neutral band grey.
COLOURS = ["#b2182b", "#ef8a62", "#bababa", "#67a9cf", "#2166ac"]
#: The middle band lies half on each side.
NEUTRAL = 2


def legend():
    return [
        (colour, band_label(band)) for colour, band in zip(COLOURS, BANDS, strict=True)
    ]


def description(figures):
    parts = []
    for row in figures.distributions:
        if not row.shown:
            continue
        shares = ", ".join(
            f"{band_label(band)}: {share} %"
            for band, share in zip(BANDS, row.percents, strict=True)
        )
        parts.append(
            _("%(wave)s: %(n)s answers, mean %(mean)s (%(shares)s).")
            % {
                "wave": row.label,
                "n": row.n,
                # As the table beside it writes it: "4,5" in Finnish.
                "mean": number_format(row.mean, 1),
                "shares": shares,
            }
        )
    return " ".join(parts)


def diverging_bars(figures, dom_id):
    """The SVG of a statement's ``StatementFigures``, or "" when every wave
    is hidden."""
    rows = figures.shown
    if not rows:
        return ""
    axis = TOP + ROW * len(rows)
    height = axis + AXIS
    bars = [
        format_html(
            '<line x1="{x}" x2="{x}" y1="0" y2="{y}" stroke="#ccc" stroke-width="1"/>'
            '<text x="{x}" y="{label}" text-anchor="middle">{text}</text>',
            x=f"{MIDDLE + HALF * fraction:.1f}",
            y=axis,
            label=axis + AXIS - 6,
            text=f"{abs(round(fraction * 100))} %",
        )
        for fraction in (-1, -0.5, 0, 0.5, 1)
    ]
    for index, row in enumerate(rows):
        y = TOP + index * ROW
        shares = [count / row.n for count in row.counts]
        x = MIDDLE - HALF * (sum(shares[:NEUTRAL]) + shares[NEUTRAL] / 2)
        bars.append(
            format_html('<text x="{}" y="{}">{}</text>', LABEL, y + NAME - 2, row.label)
        )
        y += NAME + 4
        for colour, share in zip(COLOURS, shares, strict=True):
            width = HALF * share
            if width > 0:
                bars.append(
                    format_html(
                        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>',
                        f"{x:.1f}",
                        y,
                        f"{width:.1f}",
                        BAR,
                        colour,
                    )
                )
            x += width
    return format_html(
        '<svg class="impact-chart" viewBox="0 0 {width} {height}" role="img" '
        'aria-labelledby="{id}-title {id}-desc" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>'
        "{bars}"
        '<line x1="{middle}" x2="{middle}" y1="0" y2="{axis}" stroke="#333" '
        'stroke-width="1"/></svg>',
        width=WIDTH,
        height=height,
        id=dom_id,
        title=figures.statement.text,
        desc=description(figures),
        bars=format_html_join("", "{}", ((bar,) for bar in bars)),
        middle=MIDDLE,
        axis=axis,
    )
