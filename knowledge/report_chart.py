"""The staff report as a picture: the only module that imports matplotlib.

One PNG, two parts: on top, consultations per week stacked by kind; below, one small panel per
indicator with its quarter figures (closed quarters hatched), the year's total and, where the plan
sets one, the year's target. Each indicator has its own scale, so a count of dozens stays readable
beside one of tens of thousands.

It draws on a `matplotlib.figure.Figure` with the Agg canvas directly, never through pyplot: no
global figure registry and nothing to leak; each call has its own figure, as matplotlib advises
for servers and worker threads. matplotlib's bundled DejaVu Sans covers Cyrillic, so the picture
does not depend on the machine's fonts.
"""

from __future__ import annotations

import datetime as dt
import io
import textwrap
from math import ceil

from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, DateFormatter
from matplotlib.figure import Figure, SubFigure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from knowledge.consultations import quarter_bounds
from knowledge.indicators import QUARTERS, IndicatorLine, IndicatorTable
from knowledge.report_labels import ReportLabels

WIDTH_IN, HEIGHT_IN, DPI = 10.0, 8.0, 100
_PANELS_PER_ROW = 5
_EXTRA_ROW_IN = 2.6  # added height for each further row of indicator panels
_FONT = "DejaVu Sans"
# Colour-blind-safe palette (Okabe-Ito) for the kinds; a kind beyond it cycles.
_KIND_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
_QUARTER_COLOUR = "#6BAED6"
_YEAR_COLOUR = "#08519C"
_HATCH_COLOUR = "#08306B"
_TARGET_COLOUR = "#C0392B"
_NOTE_COLOUR = "#777777"


def render_chart(table: IndicatorTable, labels: ReportLabels) -> bytes:
    """PNG bytes of the report's chart (1000 x 800 pixels for up to five indicators)."""
    panel_rows = max(1, ceil(len(table.lines) / _PANELS_PER_ROW))
    height = HEIGHT_IN + _EXTRA_ROW_IN * (panel_rows - 1)
    figure = Figure(figsize=(WIDTH_IN, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle(
        labels.chart_title.format(year=table.year, plan=table.catalogue.plan),
        fontsize=12,
        fontfamily=_FONT,
    )
    weekly_height = 0.42 * HEIGHT_IN
    top, bottom = figure.subfigures(2, 1, height_ratios=(weekly_height, height - weekly_height))
    _weekly_panel(top.subplots(), table, labels)
    _indicator_panels(bottom, table, labels, panel_rows)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _period(table: IndicatorTable) -> tuple[dt.date, dt.date]:
    """First and last local date of the report's period."""
    start, end = quarter_bounds(table.year, table.quarter)
    # quarter_bounds gives the UTC instants of local midnights: step inside the day.
    return (start + dt.timedelta(hours=12)).date(), (end - dt.timedelta(hours=12)).date()


def _style(ax: Axes) -> None:
    ax.tick_params(labelsize=8)
    ax.grid(axis="y", color="#E5E5E5", linewidth=0.8)
    ax.set_axisbelow(True)
    ax.spines[["top", "right"]].set_visible(False)


def _weekly_panel(ax: Axes, table: IndicatorTable, labels: ReportLabels) -> None:
    ax.set_title(labels.chart_weekly_title, fontsize=11, loc="left", fontfamily=_FONT)
    weekly = {key: n for key, n in table.weekly.items() if n}
    if not weekly:
        ax.set_xticks([])
        ax.set_yticks([])
        ax.text(
            0.5,
            0.5,
            labels.no_data,
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=11,
            color=_NOTE_COLOUR,
            fontfamily=_FONT,
        )
        return
    weeks = sorted({week for week, _ in weekly})
    present = {kind for _, kind in weekly}
    kinds = [k for k in labels.kind_names if k in present] + sorted(
        present - set(labels.kind_names)
    )
    bottoms = dict.fromkeys(weeks, 0)
    for index, kind in enumerate(kinds):
        heights = [weekly.get((week, kind), 0) for week in weeks]
        ax.bar(
            weeks,
            heights,
            width=5.5,
            bottom=[bottoms[week] for week in weeks],
            align="edge",
            color=_KIND_COLOURS[index % len(_KIND_COLOURS)],
            label=labels.kind(kind),
            linewidth=0,
        )
        for week, value in zip(weeks, heights, strict=True):
            bottoms[week] += value
    first, last = _period(table)
    ax.set_xlim(
        min(first, weeks[0]) - dt.timedelta(days=2), max(last, weeks[-1]) + dt.timedelta(days=7)
    )
    ax.xaxis.set_major_locator(AutoDateLocator(minticks=4, maxticks=14))
    ax.xaxis.set_major_formatter(DateFormatter(labels.chart_date_format))
    ax.set_xlabel(labels.axis_week, fontsize=9, fontfamily=_FONT)
    ax.set_ylabel(labels.axis_consultations, fontsize=9, fontfamily=_FONT)
    ax.set_ylim(0, max(bottoms.values()) * 1.25)  # head room for the legend
    ax.yaxis.get_major_locator().set_params(integer=True)
    _style(ax)
    ax.legend(
        loc="upper left",
        ncols=min(len(kinds), 5),
        frameon=False,
        prop={"family": _FONT, "size": 8},
    )


def _short_title(line: IndicatorLine, width: int, labels: ReportLabels) -> str:
    """The activity number (and how much of the target is met), then the indicator's title cut
    to three lines."""
    indicator = line.indicator
    first = indicator.activity
    if line.percent_of_target is not None:
        first += " · " + labels.chart_percent_of_target.format(percent=line.percent_of_target)
    title = textwrap.wrap(indicator.title, width=width, max_lines=3, placeholder=" …")
    return "\n".join([first, *title])


def _indicator_panels(
    subfigure: SubFigure, table: IndicatorTable, labels: ReportLabels, panel_rows: int
) -> None:
    subfigure.suptitle(
        labels.chart_quarters_title, fontsize=11, x=0.01, ha="left", fontfamily=_FONT
    )
    lines, closed = table.lines, table.closed_quarters
    empty = all(line.total == 0 for line in lines)
    if empty:
        subfigure.supxlabel(labels.no_data, fontsize=10, color=_NOTE_COLOUR, fontfamily=_FONT)
    if not lines:
        return
    columns = min(len(lines), _PANELS_PER_ROW)
    axes = subfigure.subplots(panel_rows, columns, squeeze=False)
    ticks = [*labels.chart_quarter_names, labels.chart_year_name]
    positions = range(len(ticks))
    title_width = 23 if columns >= 4 else 40
    any_target = False
    for index, ax in enumerate(axes.flat):
        if index >= len(lines):
            ax.set_axis_off()
            continue
        line = lines[index]
        values = [line.quarters.get(q, 0) for q in QUARTERS]
        target = line.indicator.target
        ceiling = max(*values, line.total, target or 0) * 1.15 or 1
        quarters = ax.bar(range(4), values, width=0.75, color=_QUARTER_COLOUR)
        for q in QUARTERS:
            if q in closed:
                quarters[q - 1].set(hatch="///", edgecolor=_HATCH_COLOUR, linewidth=0)
        ax.bar_label(quarters, labels=[str(v) for v in values], fontsize=7, padding=1)
        ax.bar([4], [line.total], width=0.75, color=_YEAR_COLOUR)
        label_at = line.total
        if target:
            any_target = True
            ax.hlines(
                target,
                3.5,
                4.5,
                colors=_TARGET_COLOUR,
                linewidth=2.2,
                path_effects=[patheffects.withStroke(linewidth=3.6, foreground="white")],
            )
            if line.total <= target < line.total + 0.08 * ceiling:
                label_at = target  # keep the year's figure clear of the target line
        ax.annotate(
            str(line.total),
            (4, label_at),
            xytext=(0, 2),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=7,
        )
        ax.set_ylim(0, ceiling)
        ax.set_xlim(-0.6, len(ticks) - 0.1)
        ax.set_xticks(positions, ticks, fontfamily=_FONT)
        ax.yaxis.get_major_locator().set_params(integer=True)
        _style(ax)
        ax.tick_params(axis="x", labelsize=7.5)
        ax.tick_params(axis="y", labelsize=7)
        ax.set_title(
            _short_title(line, title_width, labels), fontsize=8, loc="left", fontfamily=_FONT
        )
        if index % columns == 0:
            ax.set_ylabel(labels.axis_count, fontsize=8, fontfamily=_FONT)
    handles = [
        Patch(facecolor=_QUARTER_COLOUR, label=labels.legend_quarter),
        Patch(facecolor=_YEAR_COLOUR, label=labels.col_year),
    ]
    if closed:
        handles.append(
            Patch(
                facecolor=_QUARTER_COLOUR,
                hatch="///",
                edgecolor=_HATCH_COLOUR,
                linewidth=0,
                label=labels.legend_closed,
            )
        )
    if any_target:
        handles.append(
            Line2D([], [], color=_TARGET_COLOUR, linewidth=2.2, label=labels.legend_target)
        )
    if empty:
        return  # the note stands where the legend would
    subfigure.legend(
        handles=handles,
        loc="outside lower center",
        ncols=len(handles),
        frameon=False,
        prop={"family": _FONT, "size": 8},
    )
