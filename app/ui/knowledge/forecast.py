"""The knowledge forecast (SPEC §3a) as a chart: the next months if nothing is done.

Coverage is a line on a 0–100 % axis; the orphaned critical clauses (criticality ≥ 4) are bars
on an axis of their own. Hovering a point shows all of its figures; "Show as table" lists them.
The points are computed on a worker by app.services.continuity.knowledge_forecast, the function
behind `clausekeeper forecast --json`, and only while the panel is shown: the clause list's
first rows never wait for it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, QPointF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QCursor,
    QPainter,
    QPen,
    QShowEvent,
    QStandardItem,
    QStandardItemModel,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QStackedWidget,
    QTableView,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from app.core.continuity import ForecastPoint
from app.ui import workers
from app.ui.context import AppContext
from app.ui.knowledge.matrix_model import ratio_text
from app.ui.knowledge.sequencer import Sequencer, request

ENTITIES = ("*", "Knowledge", "Person", "Clause", "Contract", "Setting")
MONTHS = 12
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
COVERAGE_COLOR = "#1f5fa8"
ORPHANED_COLOR = "#c9302c"
BAR_COLOR = "#f0a29f"
COLUMNS = (
    ("date", "Date"), ("coverage", "Coverage"), ("truck_factor", "Truck factor"),
    ("orphaned_critical", "Orphaned critical"), ("orphaned", "Orphaned"),
    ("at_risk", "At risk"), ("single", "Single owner"), ("covered", "Covered"),
    ("clauses", "Clauses"),
)


def _cell(key: str, point: ForecastPoint) -> str:
    value = getattr(point, key)
    if key == "coverage":
        return ratio_text(value)  # from the exact ratio, as every other view shows it
    if value is None:
        return "—"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def point_text(point: ForecastPoint) -> str:
    """Every figure of one forecast point, for its tooltip."""
    return (
        f"{point.date.isoformat()}\ncoverage {ratio_text(point.coverage)} · truck factor "
        f"{_truck(point.truck_factor)}\n"
        f"{point.orphaned_critical:,} orphaned critical · {point.orphaned:,} orphaned · "
        f"{point.at_risk:,} at risk\n{point.single:,} single owner · "
        f"{point.covered:,} covered · {point.clauses:,} clauses in scope"
    )


def category(index: int, day: date) -> str:
    """The axis label of a point: 'now', then the month ('Jan'; the axis title has the years).
    Labels are unique for up to 12 months; a longer forecast numbers its months."""
    if index == 0:
        return "now"
    return day.strftime("%b") if index <= 12 else f"{day.strftime('%b')} {day:%y}"


class ForecastPanel(QWidget):
    """The forecast chart (and table) of the portfolio, computed when shown."""

    loaded = Signal()

    def __init__(
        self, ctx: AppContext, parent: QWidget | None = None, sequencer: Sequencer | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("forecastPanel")
        self.ctx = ctx
        self.sequencer = sequencer
        self.months = MONTHS
        self.points: list[dict[str, Any]] = []  # as `clausekeeper forecast --json` has them
        self.exact: list[ForecastPoint] = []  # the same points with exact ratios
        self.as_of: date | None = None  # the date of the points shown
        self._generation = 0
        self._dirty = True

        self.heading = QLabel(f"<b>Forecast</b>: the next {self.months} months if nothing is done",
                              self)
        self.as_table = QCheckBox("Show as &table", self)
        self.as_table.setObjectName("forecastAsTable")
        self.summary = QLabel(self)
        self.summary.setObjectName("forecastSummary")
        self.summary.setWordWrap(True)

        self.chart = QChart()
        self.chart.legend().setAlignment(Qt.AlignmentFlag.AlignTop)
        self.chart.setMargins(QMargins(2, 2, 2, 2))
        self.chart.layout().setContentsMargins(0, 0, 0, 0)
        self.chart.setBackgroundRoundness(0)
        self.coverage_series = QLineSeries()
        self.coverage_series.setName("Coverage (left, %)")
        pen = QPen(QColor(COVERAGE_COLOR))
        pen.setWidth(3)
        self.coverage_series.setPen(pen)
        self.coverage_series.setPointsVisible(True)
        self.coverage_series.hovered.connect(self._line_hovered)
        self.orphaned_set = QBarSet("Orphaned critical clauses (right)")
        self.orphaned_set.setColor(QColor(BAR_COLOR))
        self.orphaned_set.setBorderColor(QColor(ORPHANED_COLOR))
        self.bar_series = QBarSeries()
        self.bar_series.append(self.orphaned_set)
        self.bar_series.setBarWidth(0.55)
        self.bar_series.hovered.connect(self._bar_hovered)
        self.chart.addSeries(self.bar_series)
        self.chart.addSeries(self.coverage_series)
        self.x_axis = QBarCategoryAxis()
        self.coverage_axis = QValueAxis()
        self.coverage_axis.setRange(0, 100)
        self.coverage_axis.setTickCount(6)
        self.coverage_axis.setLabelFormat("%d %%")
        self.coverage_axis.setLinePenColor(QColor(COVERAGE_COLOR))
        self.coverage_axis.setLabelsColor(QColor(COVERAGE_COLOR))
        self.orphaned_axis = QValueAxis()
        self.orphaned_axis.setLabelFormat("%d")
        self.orphaned_axis.setTickCount(6)
        self.orphaned_axis.setLinePenColor(QColor(ORPHANED_COLOR))
        self.orphaned_axis.setLabelsColor(QColor(ORPHANED_COLOR))
        self.orphaned_axis.setGridLineVisible(False)
        self.chart.addAxis(self.x_axis, Qt.AlignmentFlag.AlignBottom)
        self.chart.addAxis(self.coverage_axis, Qt.AlignmentFlag.AlignLeft)
        self.chart.addAxis(self.orphaned_axis, Qt.AlignmentFlag.AlignRight)
        for series, axis in ((self.bar_series, self.orphaned_axis),
                             (self.coverage_series, self.coverage_axis)):
            series.attachAxis(self.x_axis)
            series.attachAxis(axis)
        self.view = QChartView(self.chart, self)
        self.view.setObjectName("forecastChart")
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setMinimumHeight(180)

        self.model = QStandardItemModel(0, len(COLUMNS), self)
        self.model.setHorizontalHeaderLabels([title for _key, title in COLUMNS])
        self.table = QTableView(self)
        self.table.setObjectName("forecastTable")
        self.table.setModel(self.model)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.table)
        self.as_table.toggled.connect(
            lambda on: self.stack.setCurrentWidget(self.table if on else self.view)
        )

        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.as_table)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.stack, 1)
        self.summary.setText("The forecast is computed when this panel is shown.")

        ctx.data_changed.connect(self._data_changed)
        ctx.as_of_changed.connect(lambda _d: self._schedule())
        ctx.database_changed.connect(self._schedule)

    # --- computing ----------------------------------------------------------------------------

    def refresh(self) -> workers.Op:
        """Compute the forecast as of the context's date on a worker."""
        self._dirty = False
        self._generation += 1
        generation = self._generation
        as_of, months = self.ctx.as_of, self.months
        self.summary.setText(f"Computing the forecast from {as_of.isoformat()}…")

        def work(session: Any) -> list[ForecastPoint]:
            from app.services.continuity import knowledge_forecast

            return knowledge_forecast(session, as_of, months)

        def done(points: list[ForecastPoint]) -> None:
            if generation == self._generation:
                self._show(as_of, points)

        def failed(_exc: BaseException) -> None:
            if generation == self._generation:
                self.summary.setText("The forecast could not be computed.")

        return workers.run_query(self, self.ctx, work, done, on_failed=failed, title="Forecast")

    def _show(self, as_of: date, points: list[ForecastPoint]) -> None:
        from app.services.continuity import point_json

        self.exact = points
        self.points = [point_json(p) for p in points]
        self.as_of = as_of
        days = [p.date for p in points]
        self.x_axis.clear()
        self.x_axis.append([category(i, day) for i, day in enumerate(days)])
        self.coverage_series.replace([
            QPointF(i, float(p.coverage) * 100) for i, p in enumerate(points)
            if p.coverage is not None
        ])
        if self.orphaned_set.count():
            self.orphaned_set.remove(0, self.orphaned_set.count())
        self.orphaned_set.append([float(p.orphaned_critical) for p in points])
        highest = max((p.orphaned_critical for p in points), default=0)
        self.orphaned_axis.setRange(0, axis_top(highest))
        self.x_axis.setTitleText(
            f"{days[0].isoformat()} → {days[-1].isoformat()}" if days else ""
        )
        self.model.removeRows(0, self.model.rowCount())
        for point in points:
            row = []
            for key, _title in COLUMNS:
                item = QStandardItem(_cell(key, point))
                item.setEditable(False)
                if key != "date":
                    item.setTextAlignment(RIGHT)
                row.append(item)
            self.model.appendRow(row)
        self.summary.setText(self._summary(points))
        self.loaded.emit()

    @staticmethod
    def _summary(points: list[ForecastPoint]) -> str:
        if not points:
            return "No forecast."
        first, last = points[0], points[-1]
        return (
            f"By {last.date.isoformat()}: coverage {ratio_text(first.coverage)} → "
            f"{ratio_text(last.coverage)}, orphaned critical clauses "
            f"{first.orphaned_critical:,} → {last.orphaned_critical:,}, truck factor "
            f"{_truck(first.truck_factor)} → {_truck(last.truck_factor)}."
        )

    # --- tooltips -----------------------------------------------------------------------------

    def _line_hovered(self, point: QPointF, state: bool) -> None:
        self._tooltip(round(point.x()), state)

    def _bar_hovered(self, state: bool, index: int, _bar_set: QBarSet) -> None:
        self._tooltip(index, state)

    def _tooltip(self, index: int, state: bool) -> None:
        if state and 0 <= index < len(self.exact):
            QToolTip.showText(QCursor.pos(), point_text(self.exact[index]), self.view)
        else:
            QToolTip.hideText()

    # --- refreshing ---------------------------------------------------------------------------

    def _data_changed(self, entity: str) -> None:
        if entity in ENTITIES:
            self._schedule()

    def _schedule(self) -> None:
        if self.isVisible():
            self._request()
        else:
            self._dirty = True

    def _request(self) -> None:
        self._dirty = False
        request(self.sequencer, "forecast", self.refresh)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if self._dirty:
            self._request()


def _truck(value: int | None) -> str:
    return "—" if value is None else str(value)



def axis_top(highest: int) -> int:
    """The top of the orphaned axis: five round steps above the highest bar, so that its ticks
    meet the coverage axis's grid lines (0, 20, … 100 %)."""
    target = max(highest * 1.05, 5.0)
    scale = 1
    while True:
        for factor in (1, 2, 2.5, 3, 4, 5, 6, 8):
            step = factor * scale
            if step == int(step) and step * 5 >= target:
                return int(step * 5)
        scale *= 10
