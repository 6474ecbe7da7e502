"""The knowledge forecast (SPEC §3a) as a chart: the next months if nothing is done.

Coverage is a line on a 0–100 % axis; the orphaned critical clauses (criticality ≥ 4) are bars
on an axis of their own. Hovering a point shows all of its figures; "Show as table" lists them.
The points are computed on a worker by app.services.continuity.forecast_json, the function behind
`clausekeeper forecast --json`, and only while the panel is shown: the clause list's first rows
never wait for it.
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

from app.ui import workers
from app.ui.context import AppContext

ENTITIES = ("*", "Knowledge", "Person", "Clause", "Contract", "Setting")
MONTHS = 12
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
COVERAGE_COLOR = "#1f5fa8"
ORPHANED_COLOR = "#d9534f"
COLUMNS = (
    ("date", "Date"), ("coverage", "Coverage"), ("truck_factor", "Truck factor"),
    ("orphaned_critical", "Orphaned critical"), ("orphaned", "Orphaned"),
    ("at_risk", "At risk"), ("single", "Single owner"), ("covered", "Covered"),
    ("clauses", "Clauses"),
)


def percent(value: float | None) -> str:
    """A JSON ratio (0–1, or null) as '61.3 %' or '—'."""
    return "—" if value is None else f"{value * 100:.1f} %"


def _cell(key: str, value: Any) -> str:
    if value is None:
        return "—"
    if key == "coverage":
        return percent(value)
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def point_text(point: dict[str, Any]) -> str:
    """Every figure of one forecast point, for its tooltip."""
    truck = "—" if point["truck_factor"] is None else str(point["truck_factor"])
    return (
        f"{point['date']}\ncoverage {percent(point['coverage'])} · truck factor {truck}\n"
        f"{point['orphaned_critical']:,} orphaned critical · {point['orphaned']:,} orphaned · "
        f"{point['at_risk']:,} at risk\n{point['single']:,} single owner · "
        f"{point['covered']:,} covered · {point['clauses']:,} clauses in scope"
    )


def category(index: int, day: date) -> str:
    """The axis label of a point: 'now', then the month ('Jan' with its year: 'Jan 27')."""
    if index == 0:
        return "now"
    return day.strftime("%b %y") if day.month == 1 else day.strftime("%b")


class ForecastPanel(QWidget):
    """The forecast chart (and table) of the portfolio, computed when shown."""

    loaded = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("forecastPanel")
        self.ctx = ctx
        self.months = MONTHS
        self.points: list[dict[str, Any]] = []
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
        self.chart.setMargins(QMargins(4, 4, 4, 4))
        self.chart.setBackgroundRoundness(0)
        self.coverage_series = QLineSeries()
        self.coverage_series.setName("Coverage (left, %)")
        pen = QPen(QColor(COVERAGE_COLOR))
        pen.setWidth(3)
        self.coverage_series.setPen(pen)
        self.coverage_series.setPointsVisible(True)
        self.coverage_series.hovered.connect(self._line_hovered)
        self.orphaned_set = QBarSet("Orphaned critical clauses (right)")
        self.orphaned_set.setColor(QColor(ORPHANED_COLOR))
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

        def work(session: Any) -> dict[str, Any]:
            from app.services.continuity import forecast_json

            return forecast_json(session, as_of, months)

        def done(data: dict[str, Any]) -> None:
            if generation == self._generation:
                self._show(data)

        def failed(_exc: BaseException) -> None:
            if generation == self._generation:
                self.summary.setText("The forecast could not be computed.")

        return workers.run_query(self, self.ctx, work, done, on_failed=failed, title="Forecast")

    def _show(self, data: dict[str, Any]) -> None:
        points: list[dict[str, Any]] = data["points"]
        self.points = points
        self.as_of = date.fromisoformat(data["as_of"])
        days = [date.fromisoformat(p["date"]) for p in points]
        self.x_axis.clear()
        self.x_axis.append([category(i, day) for i, day in enumerate(days)])
        self.coverage_series.replace([
            QPointF(i, p["coverage"] * 100) for i, p in enumerate(points)
            if p["coverage"] is not None
        ])
        if self.orphaned_set.count():
            self.orphaned_set.remove(0, self.orphaned_set.count())
        self.orphaned_set.append([float(p["orphaned_critical"]) for p in points])
        highest = max((p["orphaned_critical"] for p in points), default=0)
        self.orphaned_axis.setRange(0, _nice_top(highest))
        self.x_axis.setTitleText(
            f"{days[0].isoformat()} → {days[-1].isoformat()}" if days else ""
        )
        self.model.removeRows(0, self.model.rowCount())
        for point in points:
            row = []
            for key, _title in COLUMNS:
                item = QStandardItem(_cell(key, point[key]))
                item.setEditable(False)
                if key != "date":
                    item.setTextAlignment(RIGHT)
                row.append(item)
            self.model.appendRow(row)
        self.summary.setText(self._summary(points))
        self.loaded.emit()

    @staticmethod
    def _summary(points: list[dict[str, Any]]) -> str:
        if not points:
            return "No forecast."
        first, last = points[0], points[-1]
        return (
            f"By {last['date']}: coverage {percent(first['coverage'])} → "
            f"{percent(last['coverage'])}, orphaned critical clauses "
            f"{first['orphaned_critical']:,} → {last['orphaned_critical']:,}, truck factor "
            f"{_truck(first['truck_factor'])} → {_truck(last['truck_factor'])}."
        )

    # --- tooltips -----------------------------------------------------------------------------

    def _line_hovered(self, point: QPointF, state: bool) -> None:
        self._tooltip(round(point.x()), state)

    def _bar_hovered(self, state: bool, index: int, _bar_set: QBarSet) -> None:
        self._tooltip(index, state)

    def _tooltip(self, index: int, state: bool) -> None:
        if state and 0 <= index < len(self.points):
            QToolTip.showText(QCursor.pos(), point_text(self.points[index]), self.view)
        else:
            QToolTip.hideText()

    # --- refreshing ---------------------------------------------------------------------------

    def _data_changed(self, entity: str) -> None:
        if entity in ENTITIES:
            self._schedule()

    def _schedule(self) -> None:
        if self.isVisible():
            self.refresh()
        else:
            self._dirty = True

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if self._dirty:
            self.refresh()


def _truck(value: int | None) -> str:
    return "—" if value is None else str(value)


def _nice_top(highest: int) -> int:
    """An axis maximum above the highest bar that divides into 5 round steps."""
    if highest <= 0:
        return 5
    step = 1
    while step * 5 < highest * 1.1:
        step = step * 2 if str(step)[0] in "15" else step * 5 // 2
    return step * 5
