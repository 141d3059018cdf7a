"""Small widget builders the dock's form and its Adapt section share, so both look alike
and fit the dock's 300 px."""
from __future__ import annotations

from qgis.core import QgsMapLayerProxyModel
from qgis.gui import QgsDoubleSpinBox, QgsMapLayerComboBox, QgsSpinBox
from qgis.PyQt.QtWidgets import QComboBox, QFormLayout, QGroupBox, QLabel, QSizePolicy, QWidget

from ..core.sar_metadata import WHERE
from ..core.translate.params import LIMITS
from .choices import FROM_METADATA

NOTE_STYLE = "color: palette(mid);"


def form_box(parent: QWidget, title: str, box: QGroupBox | None = None) -> QFormLayout:
    box = box or QGroupBox(title, parent)
    form = QFormLayout(box)
    form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
    parent.layout().addWidget(box)
    return form


def narrow(combo: QComboBox) -> QComboBox:
    """Let a combo shrink to the dock's width instead of its longest item's."""
    combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(8)
    combo.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
    return combo


def note_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet(NOTE_STYLE)
    return label


def int_spin(option: str, step: int, suffix: str = "") -> QgsSpinBox:
    spin = QgsSpinBox()
    spin.setRange(*(int(v) for v in LIMITS[option]))
    spin.setSingleStep(step)
    spin.setSuffix(suffix)
    return spin


def angle_spin(option: str) -> QgsDoubleSpinBox:
    """Degrees; the lowest value means "read from the SAR file's metadata"."""
    spin = QgsDoubleSpinBox()
    spin.setRange(FROM_METADATA[option], LIMITS[option][1])
    spin.setDecimals(1)
    spin.setSuffix(" °")
    spin.setSpecialValueText("From SAR file")
    spin.setClearValue(FROM_METADATA[option])
    spin.setValue(FROM_METADATA[option])
    spin.setMinimumWidth(90)  # not its longest text's width: the dock must fit 300 px
    spin.setToolTip(f"Left at 'From SAR file', it is read from the SAR file's metadata "
                    f"(Sentinel-1 products and SNAP exports state it). {WHERE}")
    return spin


def show_row(form: QFormLayout, field: QWidget, visible: bool) -> None:
    """Show or hide a form row, its label too (Qt 5 has no ``setRowVisible``)."""
    field.setVisible(visible)
    label = form.labelForField(field)
    if label is not None:
        label.setVisible(visible)


def raster_combo(tooltip: str) -> QgsMapLayerComboBox:
    combo = narrow(QgsMapLayerComboBox())
    combo.setFilters(QgsMapLayerProxyModel.RasterLayer)
    combo.setToolTip(tooltip)
    return combo


def align_labels(*forms: QFormLayout) -> None:
    """One label column width for all the boxes, so their fields line up."""
    labels = [item.widget() for form in forms for row in range(form.rowCount())
              if (item := form.itemAt(row, QFormLayout.LabelRole)) and item.widget()]
    width = max((label.sizeHint().width() for label in labels), default=0)
    for label in labels:
        label.setMinimumWidth(width)
