"""The dock's form: every input widget, laid out in the order an analyst decides (data,
model, distortion mask, advanced, output), and the mapping widgets <-> ``DockChoices``.
No running logic here: that is ``dock.py``."""
from __future__ import annotations

from qgis.core import QgsMapLayerProxyModel, QgsRasterLayer
from qgis.gui import (
    QgsCollapsibleGroupBox,
    QgsDoubleSpinBox,
    QgsFileWidget,
    QgsMapLayerComboBox,
    QgsRasterBandComboBox,
    QgsSpinBox,
)
from qgis.PyQt.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from ..core.geometry import LOOKS
from ..core.translate.params import ENHANCEMENTS
from ..processing.common import ModelChoice, weights_description
from .bands import guess_polarisation_bands
from .devices import DeviceChoice
from .request import DockChoices

WEIGHTS_ITEM = "__weights__"
ENHANCE_LABELS = {"none": "None", "laplacian": "Sharpen (Laplacian)",
                  "wiener": "Denoise (Wiener)"}


def _form(parent: QWidget, title: str, box: QGroupBox | None = None) -> QFormLayout:
    box = box or QGroupBox(title, parent)
    form = QFormLayout(box)
    form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
    parent.layout().addWidget(box)
    return form


def _spin(minimum: int, maximum: int, step: int, suffix: str = "") -> QgsSpinBox:
    spin = QgsSpinBox()
    spin.setRange(minimum, maximum)
    spin.setSingleStep(step)
    spin.setSuffix(suffix)
    return spin


def _double(minimum: float, maximum: float, suffix: str) -> QgsDoubleSpinBox:
    spin = QgsDoubleSpinBox()
    spin.setRange(minimum, maximum)
    spin.setDecimals(1)
    spin.setSuffix(suffix)
    return spin


def _align_labels(*forms: QFormLayout) -> None:
    """One label column width for all the boxes, so their fields line up."""
    labels = [item.widget() for form in forms for row in range(form.rowCount())
              if (item := form.itemAt(row, QFormLayout.LabelRole)) and item.widget()]
    width = max((label.sizeHint().width() for label in labels), default=0)
    for label in labels:
        label.setMinimumWidth(width)


class DockForm(QWidget):
    """Inputs of a translation; ``choices()``/``set_choices()`` round-trip the settings."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        QVBoxLayout(self).setContentsMargins(0, 0, 0, 0)
        self._models: list[ModelChoice] = []

        data = _form(self, "Input data")
        self.sar_combo = QgsMapLayerComboBox()
        self.sar_combo.setFilters(QgsMapLayerProxyModel.RasterLayer)
        self.sar_combo.setToolTip("Sentinel-1 raster with VV and VH bands (dB or linear).")
        self.vv_combo, self.vh_combo = QgsRasterBandComboBox(), QgsRasterBandComboBox()
        self.dem_combo = QgsMapLayerComboBox()
        self.dem_combo.setFilters(QgsMapLayerProxyModel.RasterLayer)
        self.dem_combo.setAllowEmptyLayer(True, "No DEM (SAR-only model)")
        self.dem_combo.setToolTip("Elevation in metres, any CRS: it is reprojected on the fly.")
        data.addRow("SAR layer", self.sar_combo)
        data.addRow("VV band", self.vv_combo)
        data.addRow("VH band", self.vh_combo)
        data.addRow("DEM layer", self.dem_combo)

        model = _form(self, "Model")
        self.model_combo = QComboBox()
        self.weights_widget = QgsFileWidget()
        self.weights_widget.setFilter("Sardine weights (*.safetensors *.onnx)")
        self.weights_widget.setDialogTitle("Choose a weights file")
        self.model_info = QLabel()
        self.model_info.setWordWrap(True)
        self.model_info.setStyleSheet("color: palette(mid);")
        self.device_combo = QComboBox()
        self.enhance_combo = QComboBox()
        for key in ENHANCEMENTS:
            self.enhance_combo.addItem(ENHANCE_LABELS.get(key, key), key)
        model.addRow("Model", self.model_combo)
        model.addRow("Weights", self.weights_widget)
        model.addRow(self.model_info)
        model.addRow("Device", self.device_combo)
        model.addRow("Enhancement", self.enhance_combo)

        self.distortion_box = QgsCollapsibleGroupBox("Distortion mask (needs the DEM)")
        self.distortion_box.setCheckable(True)
        geometry = _form(self, "", self.distortion_box)
        self.incidence_spin = _double(1.0, 89.0, " °")
        self.heading_spin = _double(0.0, 360.0, " °")
        self.heading_spin.setToolTip("Flight direction: Sentinel-1 descending about 190°, "
                                     "ascending about 350°.")
        self.look_combo = QComboBox()
        self.look_combo.addItems(list(LOOKS))
        geometry.addRow("Incidence angle", self.incidence_spin)
        geometry.addRow("Heading", self.heading_spin)
        geometry.addRow("Look direction", self.look_combo)

        self.advanced_box = QgsCollapsibleGroupBox("Advanced")
        advanced = _form(self, "", self.advanced_box)
        self.tile_spin = _spin(64, 8192, 64, " px")
        self.overlap_spin = _spin(0, 1024, 8, " px")
        self.batch_spin = _spin(0, 256, 1)
        self.batch_spin.setSpecialValueText("Automatic")
        self.batch_spin.setToolTip("Tiles per forward pass. Automatic: 2 on CPU (more is no "
                                   "faster there and needs more memory), 4 on a GPU.")
        advanced.addRow("Tile size", self.tile_spin)
        advanced.addRow("Tile overlap", self.overlap_spin)
        advanced.addRow("Tiles per batch", self.batch_spin)
        self.compile_check = QCheckBox("Compile the model (large scenes)")
        self.compile_check.setToolTip("torch.compile: about 1.2x faster per tile on CPU after "
                                      "some 20 s of compiling; worth it for whole scenes.")
        advanced.addRow("", self.compile_check)
        self.advanced_box.setCollapsed(True)

        output = _form(self, "Output")
        self.output_widget = QgsFileWidget()
        self.output_widget.setStorageMode(QgsFileWidget.SaveFile)
        self.output_widget.setFilter("GeoTIFF (*.tif *.tiff)")
        self.output_widget.setDialogTitle("Save the optical raster as")
        self.output_widget.lineEdit().setPlaceholderText("[Save to temporary file]")
        output.addRow("Optical raster", self.output_widget)

        _align_labels(data, model, geometry, advanced, output)
        self.sar_combo.layerChanged.connect(self._on_sar_changed)
        self.model_combo.currentIndexChanged.connect(self._update_model_info)
        self.weights_widget.fileChanged.connect(self._update_model_info)
        self._on_sar_changed(self.sar_combo.currentLayer())

    # --- dynamic content ------------------------------------------------------------------
    def _on_sar_changed(self, layer: QgsRasterLayer | None) -> None:
        """Point the band pickers at the new layer and guess VV/VH from band names."""
        raster = layer if isinstance(layer, QgsRasterLayer) else None
        self.vv_combo.setLayer(raster)
        self.vh_combo.setLayer(raster)
        if raster is not None and raster.bandCount() > 0:
            names = [raster.bandName(i) for i in range(1, raster.bandCount() + 1)]
            vv, vh = guess_polarisation_bands(names)
            self.vv_combo.setBand(vv)
            self.vh_combo.setBand(min(vh, raster.bandCount()))

    def set_models(self, models: list[ModelChoice]) -> None:
        """Bundled models first, then the "weights file" entry; keep the current choice."""
        current = self.model_combo.currentData()
        self._models = models
        self.model_combo.blockSignals(True)
        self.model_combo.clear()
        for m in models:
            self.model_combo.addItem(m.name, m.name)
        self.model_combo.addItem("Weights file…", WEIGHTS_ITEM)
        index = self.model_combo.findData(current) if current else 0
        self.model_combo.setCurrentIndex(max(index, 0))
        self.model_combo.blockSignals(False)
        self._update_model_info()

    def set_devices(self, devices: list[DeviceChoice]) -> None:
        current = self.device_combo.currentData() or "auto"
        self.device_combo.clear()
        for d in devices:
            self.device_combo.addItem(d.label, d.key)
            item = self.device_combo.model().item(self.device_combo.count() - 1)
            item.setEnabled(d.available)
        index = self.device_combo.findData(current)
        usable = index >= 0 and devices[index].available
        self.device_combo.setCurrentIndex(index if usable else 0)

    def _update_model_info(self, *_args: object) -> None:
        key = self.model_combo.currentData()
        use_file = key == WEIGHTS_ITEM
        self.weights_widget.setEnabled(use_file)
        if use_file:
            path = self.weights_widget.filePath()
            text = (weights_description(path) if path
                    else "Choose a .safetensors or .onnx weights file.")
        else:
            text = next((m.description for m in self._models if m.name == key),
                        "No bundled model found: choose a weights file.")
        self.model_info.setText(text)

    # --- choices <-> widgets --------------------------------------------------------------
    def choices(self, output_dir: str = "") -> DockChoices:
        key = self.model_combo.currentData()
        use_file = key == WEIGHTS_ITEM
        return DockChoices(
            model="" if use_file or key is None else key,
            weights=self.weights_widget.filePath() if use_file else "",
            device=self.device_combo.currentData() or "auto",
            enhance=self.enhance_combo.currentData() or "none",
            tile=self.tile_spin.value(), overlap=self.overlap_spin.value(),
            batch=self.batch_spin.value(), compile=self.compile_check.isChecked(),
            distortion=self.distortion_box.isChecked(),
            incidence=self.incidence_spin.value(), heading=self.heading_spin.value(),
            look=self.look_combo.currentText(), output_dir=output_dir)

    def set_choices(self, c: DockChoices) -> None:
        if c.weights:
            self.weights_widget.setFilePath(c.weights)
        index = self.model_combo.findData(WEIGHTS_ITEM if c.weights else c.model)
        if index >= 0:
            self.model_combo.setCurrentIndex(index)
        for combo, key in ((self.device_combo, c.device), (self.enhance_combo, c.enhance)):
            index = combo.findData(key)
            if index >= 0:
                combo.setCurrentIndex(index)
        self.tile_spin.setValue(c.tile)
        self.overlap_spin.setValue(c.overlap)
        self.batch_spin.setValue(c.batch)
        self.compile_check.setChecked(c.compile)
        self.distortion_box.setChecked(c.distortion)
        self.incidence_spin.setValue(c.incidence)
        self.heading_spin.setValue(c.heading)
        self.look_combo.setCurrentText(c.look)
        if c.output_dir:
            self.output_widget.setDefaultRoot(c.output_dir)
        self._update_model_info()
