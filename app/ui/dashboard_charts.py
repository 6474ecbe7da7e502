"""The dashboard's charts (Qt Charts): deadlines per month by kind, SLA compliance per month, and
the people leaving soon with the clauses only they understand. Each emits `picked` with the
filters of the detail view that shows what was clicked.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import Any

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalStackedBarSeries,
    QLineSeries,
    QStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, QPointF, Qt, Signal
from PySide6.QtGui import QColor, QCursor, QFont, QPainter
from PySide6.QtWidgets import QToolTip, QWidget

from app.services.dashboard_figures import KINDS, DeadlineMonth, Leaver

KIND_NAMES = {"cancel_by": "Cancel-by", "exercise_by": "Exercise-by", "end": "End"}
KIND_COLOURS = {"cancel_by": "#c2410c", "exercise_by": "#2563eb", "end": "#6b7280"}
CRITICAL_COLOUR = "#b42318"
OTHER_COLOUR = "#f59e0b"
LINE_COLOUR = "#047857"


def _nice_max(value: float) -> int:
    """An axis maximum ≥ value that divides into 4 or 5 whole ticks."""
    if value <= 4:
        return 4
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        if value <= step * 5:
            return int(-(-value // step) * step)
    return int(value)


class DashboardChart(QChartView):
    """A chart view with the dashboard's look; `picked` carries the clicked item's filters."""

    picked = Signal(object)  # dict of filters

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        chart = QChart()
        chart.setTitle(title)
        font = QFont(chart.titleFont())
        font.setBold(True)
        chart.setTitleFont(font)
        chart.setMargins(QMargins(4, 4, 4, 4))
        chart.setBackgroundRoundness(4)
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        self.setChart(chart)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumHeight(200)
        self.setMinimumWidth(280)

    def _reset(self) -> QChart:
        """The chart without its series and axes. They are deleted later, by the event loop:
        figures may arrive inside a nested event loop (a modal progress dialog's) while the
        scene still refers to them."""
        chart = self.chart()
        for series in chart.series():
            chart.removeSeries(series)
            series.deleteLater()
        for axis in chart.axes():
            chart.removeAxis(axis)
            axis.deleteLater()
        return chart

    def _axis_count(self, maximum: float, orientation: Qt.AlignmentFlag) -> QValueAxis:
        axis = QValueAxis()
        top = _nice_max(maximum)
        axis.setRange(0, top)
        axis.setLabelFormat("%d")
        axis.setTickType(QValueAxis.TickType.TicksDynamic)
        axis.setTickInterval(max(1, top // 4))
        axis.setTickAnchor(0)
        self.chart().addAxis(axis, orientation)
        return axis


class DeadlinesChart(DashboardChart):
    """Deadlines per month for the next 12 months, stacked by kind (cancel_by/exercise_by/end)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Deadlines per month", parent)
        self.months: list[DeadlineMonth] = []
        self.sets: dict[str, QBarSet] = {}

    def show_months(self, months: list[DeadlineMonth]) -> None:
        self.months = list(months)
        chart = self._reset()
        series = QStackedBarSeries()
        self.sets = {}
        for kind in KINDS:
            bars = QBarSet(KIND_NAMES[kind])
            bars.setColor(QColor(KIND_COLOURS[kind]))
            bars.setBorderColor(QColor(KIND_COLOURS[kind]))
            bars.append([float(m.counts.get(kind, 0)) for m in self.months])
            bars.clicked.connect(lambda index, k=kind: self._clicked(k, index))
            bars.hovered.connect(lambda status, index, k=kind: self._hovered(status, k, index))
            series.append(bars)
            self.sets[kind] = bars
        series.setBarWidth(0.7)
        chart.addSeries(series)
        axis_x = _month_axis([m.month for m in self.months])
        chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(axis_x)
        axis_y = self._axis_count(max((m.total for m in self.months), default=0),
                                  Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(axis_y)
        total = sum(m.total for m in self.months)
        chart.setTitle(f"Deadlines in the next 12 months: {total}")

    def filters_for(self, kind: str, index: int) -> dict[str, Any]:
        return {"kind": kind, "month": f"{self.months[index].month:%Y-%m}"}

    def _clicked(self, kind: str, index: int) -> None:
        if 0 <= index < len(self.months):
            self.picked.emit(self.filters_for(kind, index))

    def _hovered(self, status: bool, kind: str, index: int) -> None:
        if status and 0 <= index < len(self.months):
            month = self.months[index]
            QToolTip.showText(QCursor.pos(), f"{month.month:%B %Y}: "
                              f"{month.counts.get(kind, 0)} {KIND_NAMES[kind].lower()} "
                              f"of {month.total} deadlines")
        else:
            QToolTip.hideText()


class ComplianceChart(DashboardChart):
    """Portfolio SLA compliance (met / measured periods) per month, last 12 months."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("SLA compliance per month", parent)
        self.trend: list[tuple[date, Fraction | None]] = []
        self.series: QLineSeries | None = None
        self.chart().legend().setVisible(False)

    def show_trend(self, trend: list[tuple[date, Fraction | None]]) -> None:
        self.trend = list(trend)
        chart = self._reset()
        series = QLineSeries()
        series.setName("compliance")
        pen = series.pen()
        pen.setColor(QColor(LINE_COLOUR))
        pen.setWidth(3)
        series.setPen(pen)
        series.setPointsVisible(True)
        series.hovered.connect(self._hovered)
        values = [None if v is None else float(v) * 100 for _, v in self.trend]
        for index, value in enumerate(values):
            if value is not None:
                series.append(QPointF(index, round(value, 1)))
        series.clicked.connect(lambda _point: self.picked.emit({}))
        chart.addSeries(series)
        axis_x = _month_axis([month for month, _ in self.trend])
        chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(axis_x)
        axis_y = QValueAxis()
        known = [v for v in values if v is not None]
        low = min(known, default=0.0)
        bottom = max(0, int((low - 5) // 10 * 10)) if known else 0
        axis_y.setRange(bottom, 100)
        axis_y.setLabelFormat("%d %%")
        axis_y.setTickCount(6 if (100 - bottom) % 5 == 0 else 5)
        chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(axis_y)
        self.series = series
        self._values = values
        last = next((v for v in reversed(values) if v is not None), None)
        shown = "—" if last is None else f"{last:.1f} %"
        chart.setTitle(f"SLA compliance per month (latest {shown})")


    def _hovered(self, point: QPointF, status: bool) -> None:
        index = round(point.x())
        if status and 0 <= index < len(self.trend):
            month, value = self.trend[index]
            shown = "no measurements" if value is None else f"{float(value) * 100:.1f} % met"
            QToolTip.showText(QCursor.pos(), f"{month:%B %Y}: {shown}")
        else:
            QToolTip.hideText()


class LeaversChart(DashboardChart):
    """People leaving within the window, by the number of clauses only they understand."""

    def __init__(self, limit: int, parent: QWidget | None = None) -> None:
        super().__init__("People leaving soon", parent)
        self.limit = limit
        self.shown: list[Leaver] = []

    def show_leavers(
        self, leavers: list[Leaver], window_days: int, total: int | None = None
    ) -> None:
        """The first `limit` of the `leavers` (`total` people leave, all of them by default)."""
        total = len(leavers) if total is None else total
        # horizontal bars are drawn bottom-up: the first person goes last
        self.shown = list(reversed(leavers[: self.limit]))
        chart = self._reset()
        series = QHorizontalStackedBarSeries()
        critical = QBarSet("criticality ≥ 4")
        critical.setColor(QColor(CRITICAL_COLOUR))
        critical.setBorderColor(QColor(CRITICAL_COLOUR))
        other = QBarSet("other clauses")
        other.setColor(QColor(OTHER_COLOUR))
        other.setBorderColor(QColor(OTHER_COLOUR))
        critical.append([float(p.critical) for p in self.shown])
        other.append([float(len(p.clauses) - p.critical) for p in self.shown])
        for bars in (critical, other):
            bars.clicked.connect(self._clicked)
            bars.hovered.connect(self._hovered)
            series.append(bars)
        series.setBarWidth(0.7)
        chart.addSeries(series)
        axis_y = QBarCategoryAxis()
        font = axis_y.labelsFont()
        font.setPointSizeF(font.pointSizeF() * 0.85)
        axis_y.setLabelsFont(font)
        axis_y.setTruncateLabels(False)  # the names are what the chart is for
        axis_y.append([_leaver_label(p, i) for i, p in enumerate(self.shown)] or [""])
        chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(axis_y)
        axis_x = self._axis_count(max((len(p.clauses) for p in self.shown), default=0),
                                  Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(axis_x)
        more = total - len(self.shown)
        title = f"Leaving in {window_days} days: {total} people"
        if more > 0:
            title += f" (top {len(self.shown)})"
        if not total:
            title = f"Nobody leaves in the next {window_days} days"
        chart.setTitle(title)
        chart.legend().setVisible(bool(total))

    def filters_for(self, index: int) -> dict[str, Any]:
        return {"person": self.shown[index].key}

    def _clicked(self, index: int) -> None:
        if 0 <= index < len(self.shown):
            self.picked.emit(self.filters_for(index))

    def _hovered(self, status: bool, index: int) -> None:
        if not status or not 0 <= index < len(self.shown):
            QToolTip.hideText()
            return
        person = self.shown[index]
        lines = [f"{person.name} leaves on {person.leaves_on.isoformat()}; "
                 f"only they understand {len(person.clauses)} clauses:"]
        lines += [f"{c.contract} §{c.number} {c.title} (criticality {c.criticality})"
                  for c in sorted(person.clauses, key=lambda c: -c.criticality)[:10]]
        if len(person.clauses) > 10:
            lines.append(f"… and {len(person.clauses) - 10} more")
        QToolTip.showText(QCursor.pos(), "\n".join(lines))


def _month_axis(months: list[date]) -> QBarCategoryAxis:
    """Months as their initials, small (twelve must fit a third of the window); the tooltips
    and the filters name the month in full."""
    axis = QBarCategoryAxis()
    # category names must be unique: J F M A M J ... repeat, so pad with zero-width spaces
    axis.append([f"{m:%b}"[0] + "\u200b" * i for i, m in enumerate(months)])
    font = QFont(axis.labelsFont())
    font.setPointSizeF(max(6.0, font.pointSizeF() * 0.85))
    axis.setLabelsFont(font)
    if months:
        axis.setTitleText(f"{months[0]:%b %Y} – {months[-1]:%b %Y}")
        small = QFont(font)
        small.setBold(False)
        axis.setTitleFont(small)
    return axis


def _leaver_label(person: Leaver, index: int) -> str:
    """A short label, so that ten of them fit beside the bars: "A. Johnson, 15 Dec" (the
    tooltip and the Knowledge page give the whole name)."""
    parts = person.name.split()
    name = f"{parts[0][0]}. {' '.join(parts[1:])}" if len(parts) > 1 else person.name
    name = name if len(name) <= 16 else name[:15] + "…"
    # category names must be unique: people may share a name
    return f"{name}, {person.leaves_on:%d %b}" + "\u200b" * index
