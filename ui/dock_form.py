"""The dock's form: every input widget, laid out in the order an analyst decides (mode,
data, model, distortion mask, advanced, output), and the mapping widgets <-> ``DockChoices``.
No running logic here: that is ``dock.py``. Narrow by design (300 px): short labels,
combos that shrink, the model description folded away.

Two modes share the widgets: *Translate* (one SAR raster -> optical, optionally the mask and
the trust layer) and *Change (pre/post)* (two acquisitions -> the change layer group), which
shows a post-event picker and an output folder and hides what ``sardine:change`` does not
take (band pickers, enhancement, batch, compiling)."""
from __future__ import annotations

from qgis.core import QgsMapLayerProxyModel, QgsProject, QgsRasterLayer
from qgis.gui import (
    QgsCollapsibleGroupBox,
    QgsFileWidget,
    QgsMapLayerComboBox,
    QgsRasterBandComboBox,
)
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import (
    QCheckBox,
    QComboBox,
    QVBoxLayout,
    QWidget,
)

from ..core.bands import BandGuess, guess_polarisation_bands
from ..core.sar_metadata import read_stated_geometry
from ..core.translate.params import ENHANCEMENTS, LOOKS
from ..core.translate.runtime import runtime_summary
from ..processing.common import ModelChoice, weights_description
from . import adapted_models
from .choices import MODES, DockChoices
from .devices import DeviceChoice
from .layer_guess import guess_dem
from .widgets import (
    align_labels,
    angle_spin,
    form_box,
    int_spin,
    narrow,
    note_label,
    raster_combo,
    show_row,
)

WEIGHTS_ITEM = "__weights__"
ENHANCE_LABELS = {"none": "None", "laplacian": "Sharpen (Laplacian)",
                  "wiener": "Denoise (Wiener)"}
# mode -> (label of the first SAR picker, title of the geometry box)
MODE_TEXTS = {"translate": ("SAR", "Distortion mask"),
              "change": ("Pre-event", "Geometry (trust layer)")}


class DockForm(QWidget):
    """Inputs of a translation; ``choices()``/``set_choices()`` round-trip the settings."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        QVBoxLayout(self).setContentsMargins(0, 0, 0, 0)
        self._models: list[ModelChoice] = []
        self._adapted: list[str] = []  # adapted weights of this project (adapted_models)
        self.band_guess: BandGuess | None = None

        data = self._data = form_box(self, "Input data")
        self.mode_combo = narrow(QComboBox())
        for key, (label, _algorithm) in MODES.items():
            self.mode_combo.addItem(label, key)
        self.mode_combo.setToolTip("Translate: one acquisition to an optical image. Change: "
                                   "a pre- and a post-event acquisition, where they changed "
                                   "and where not to trust them (docs/CHANGE.md).")
        self.sar_combo = raster_combo("Sentinel-1 raster with VV and VH bands (dB or "
                                       "linear); in Change mode, the pre-event acquisition.")
        self.post_combo = raster_combo("The post-event acquisition: same polarisations and "
                                        "orbit geometry; warped onto the pre-event grid.")
        self.vv_combo = narrow(QgsRasterBandComboBox())
        self.vh_combo = narrow(QgsRasterBandComboBox())
        self.band_note = note_label()
        self.dem_combo = narrow(QgsMapLayerComboBox())
        self.dem_combo.setFilters(QgsMapLayerProxyModel.RasterLayer)
        self.dem_combo.setAllowEmptyLayer(True, "No DEM (SAR-only model)")
        self.dem_combo.setToolTip("Elevation in metres, any CRS: it is reprojected on the fly.")
        data.addRow("Mode", self.mode_combo)
        data.addRow(MODE_TEXTS["translate"][0], self.sar_combo)
        data.addRow("Post-event", self.post_combo)
        data.addRow("VV band", self.vv_combo)
        data.addRow("VH band", self.vh_combo)
        data.addRow(self.band_note)
        data.addRow("DEM", self.dem_combo)

        model = self._model = form_box(self, "Model")
        self.model_combo = narrow(QComboBox())
        self.weights_widget = QgsFileWidget()
        self.weights_widget.setFilter("Sardine weights (*.safetensors *.onnx)")
        self.weights_widget.setDialogTitle("Choose a weights file")
        self.model_box = QgsCollapsibleGroupBox("About the model")
        self.model_info = note_label()
        QVBoxLayout(self.model_box).addWidget(self.model_info)
        self.model_box.setCollapsed(True)
        self.device_combo = narrow(QComboBox())
        self.enhance_combo = narrow(QComboBox())
        for key in ENHANCEMENTS:
            self.enhance_combo.addItem(ENHANCE_LABELS.get(key, key), key)
        model.addRow("Model", self.model_combo)
        model.addRow("Weights", self.weights_widget)
        model.addRow(self.model_box)
        model.addRow("Device", self.device_combo)
        model.addRow("Enhance", self.enhance_combo)

        self.distortion_box = QgsCollapsibleGroupBox(MODE_TEXTS["translate"][1])
        self.distortion_box.setToolTip("Where foreshortening, layover or shadow make the "
                                       "result unreliable; computed from the DEM.")
        self.distortion_box.setCheckable(True)
        geometry = form_box(self, "", self.distortion_box)
        self.incidence_spin = angle_spin("incidence")
        self.heading_spin = angle_spin("heading")
        self.look_combo = narrow(QComboBox())
        self.look_combo.addItems(list(LOOKS))
        self.geometry_note = note_label()
        geometry.addRow(self.geometry_note)
        geometry.addRow("Incidence", self.incidence_spin)
        geometry.addRow("Heading", self.heading_spin)
        geometry.addRow("Look", self.look_combo)

        self.advanced_box = QgsCollapsibleGroupBox("Advanced")
        advanced = self._advanced = form_box(self, "", self.advanced_box)
        self.tile_spin = int_spin("tile", 64, " px")
        self.overlap_spin = int_spin("overlap", 8, " px")
        self.batch_spin = int_spin("batch", 1)
        self.batch_spin.setSpecialValueText("Automatic")
        self.batch_spin.setToolTip("Tiles per forward pass. Automatic: 2 on CPU (more is no "
                                   "faster there and needs more memory), 4 on a GPU.")
        advanced.addRow("Tile size", self.tile_spin)
        advanced.addRow("Overlap", self.overlap_spin)
        advanced.addRow("Batch", self.batch_spin)
        self.compile_check = QCheckBox("Compile the model")
        self.compile_check.setToolTip("torch.compile: about 1.2x faster per tile on CPU after "
                                      "some 20 s of compiling; worth it for whole scenes.")
        advanced.addRow(self.compile_check)  # a whole row: its text needs the width
        self.advanced_box.setCollapsed(True)

        output = self._output = form_box(self, "Output")
        self.output_widget = QgsFileWidget()
        self.output_widget.setStorageMode(QgsFileWidget.SaveFile)
        self.output_widget.setFilter("GeoTIFF (*.tif *.tiff)")
        self.output_widget.setDialogTitle("Save the optical raster as")
        self.output_widget.lineEdit().setPlaceholderText("[Temporary file]")
        self.folder_widget = QgsFileWidget()
        self.folder_widget.setStorageMode(QgsFileWidget.GetDirectory)
        self.folder_widget.setDialogTitle("Folder for the change layers")
        self.folder_widget.lineEdit().setPlaceholderText("[Temporary folder]")
        self.folder_widget.setToolTip("pre_optical.tif, post_optical.tif, change.tif and "
                                      "trust.tif are written here.")
        self.trust_check = QCheckBox("Trust layer")
        self.trust_check.setToolTip("Also write where the result is not to be trusted "
                                    "(layover, shadow, inputs unlike the training data), "
                                    "drawn as a grey veil; beside the output as NAME_trust.tif."
                                    " With a DEM it needs the geometry above.")
        output.addRow("Save as", self.output_widget)
        output.addRow("Folder", self.folder_widget)
        output.addRow(self.trust_check)

        align_labels(data, model, geometry, advanced, output)
        self.sar_combo.layerChanged.connect(self._on_sar_changed)
        self.dem_combo.layerChanged.connect(self._order_models)
        self.model_combo.currentIndexChanged.connect(self._update_model_info)
        self.weights_widget.fileChanged.connect(self._update_model_info)
        self.device_combo.currentIndexChanged.connect(self._update_model_info)
        self.mode_combo.currentIndexChanged.connect(self._show_mode)
        self._mask_wanted = False  # the mask tick, kept while Change mode hides it
        self._on_sar_changed(self.sar_combo.currentLayer())
        self._show_mode()

    # --- modes ----------------------------------------------------------------------------
    def mode(self) -> str:
        return self.mode_combo.currentData() or next(iter(MODES))

    def _show_mode(self, *_args: object) -> None:
        """Show the widgets of the current mode. In Change mode the geometry box is always
        open (the trust layer's distortion part needs it with a DEM), not a tick box."""
        change = self.mode() == "change"
        sar_label, geometry_title = MODE_TEXTS[self.mode()]
        self._data.labelForField(self.sar_combo).setText(sar_label)
        for form, field, visible in (
                (self._data, self.post_combo, change), (self._data, self.vv_combo, not change),
                (self._data, self.vh_combo, not change),
                (self._model, self.enhance_combo, not change),
                (self._advanced, self.batch_spin, not change),
                (self._output, self.output_widget, not change),
                (self._output, self.folder_widget, change)):
            show_row(form, field, visible)
        self.compile_check.setVisible(not change)
        self.trust_check.setVisible(not change)
        if change == self.distortion_box.isCheckable():  # the mode really changed
            if change:
                self._mask_wanted = self.distortion_box.isChecked()
            self.distortion_box.setCheckable(not change)
            if not change:
                self.distortion_box.setChecked(self._mask_wanted)
        self.distortion_box.setTitle(geometry_title)

    # --- dynamic content ------------------------------------------------------------------
    def _on_sar_changed(self, layer: QgsRasterLayer | None) -> None:
        """Point the band pickers at the new layer, guess VV/VH from band names (and say
        when that was a fallback), and offer a DEM-like layer when none is picked."""
        raster = layer if isinstance(layer, QgsRasterLayer) else None
        self.vv_combo.setLayer(raster)
        self.vh_combo.setLayer(raster)
        self.band_guess = None
        if raster is not None and raster.bandCount() > 0:
            names = [raster.bandName(i) for i in range(1, raster.bandCount() + 1)]
            self.band_guess = guess_polarisation_bands(names)
            self.vv_combo.setBand(self.band_guess.vv)
            self.vh_combo.setBand(min(self.band_guess.vh, raster.bandCount()))
        self.band_note.setText(self.band_guess.describe() + "." if self.band_guess else "")
        self.band_note.setVisible(self.band_guess is not None)
        self._show_stated_geometry(raster)
        if self.dem_combo.currentLayer() is None:
            dem = guess_dem(list(QgsProject.instance().mapLayers().values()), raster)
            if dem is not None:
                self.dem_combo.setLayer(dem)

    def _show_stated_geometry(self, raster: QgsRasterLayer | None) -> None:
        """What "From SAR file" will read, so the analyst knows before pressing Run."""
        path = raster.source() if raster is not None and raster.providerType() == "gdal" else ""
        stated = read_stated_geometry(path) if path else None
        if stated is None:
            text = ""
        elif stated.incidence_deg is None and stated.heading_deg is None:
            text = "The SAR file states neither angle: type them (see the tooltips)."
        else:
            said = [f"{label} {value:.1f}°" for label, value in
                    (("incidence", stated.incidence_deg), ("heading", stated.heading_deg))
                    if value is not None]
            text = f"The SAR file states {' and '.join(said)}."
        self.geometry_note.setText(text)
        self.geometry_note.setVisible(bool(text))

    def set_models(self, models: list[ModelChoice]) -> None:
        """Bundled models, those that fit the chosen inputs first, then this project's
        adapted weights, then "weights file"."""
        self._models = models
        self._order_models()

    def set_adapted(self, paths: list[str]) -> None:
        """This project's adapted weights as model entries (replacing the previous ones)."""
        self._adapted = list(paths)
        if self.model_combo.count():  # else set_models lists them (the first choice stays)
            self._order_models()

    def select_adapted(self, path: str) -> None:
        """Make the adapted weights ``path`` the dock's model (adding its entry if new)."""
        if path not in self._adapted:
            self.set_adapted([*self._adapted, path])
        self.model_combo.setCurrentIndex(
            self.model_combo.findData(adapted_models.item_data(path)))

    def _order_models(self, *_args: object) -> None:
        """With a DEM, the fusion models first; without, the SAR-only ones. Keeps the
        current choice."""
        current = self.model_combo.currentData()
        has_dem = self.dem_combo.currentLayer() is not None
        ordered = sorted(self._models, key=lambda m: m.uses_dem != has_dem)
        self.model_combo.blockSignals(True)
        self.model_combo.clear()
        for m in ordered:
            self.model_combo.addItem(m.name, m.name)
        for path in self._adapted:
            self.model_combo.addItem(adapted_models.item_label(path),
                                     adapted_models.item_data(path))
            self.model_combo.setItemData(self.model_combo.count() - 1, path, Qt.ToolTipRole)
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
        """What the model is, and what will run it (OpenVINO, ONNX Runtime or PyTorch)."""
        key = self.model_combo.currentData()
        use_file = key == WEIGHTS_ITEM
        self.weights_widget.setEnabled(use_file)
        path = adapted_models.item_path(key) or (self.weights_widget.filePath() if use_file
                                                else None)
        model = path or (None if use_file else key)
        if not model:
            self.model_info.setText("Choose a .safetensors or .onnx weights file." if use_file
                                    else "No bundled model found: choose a weights file.")
            return
        about = (weights_description(path) if path else
                 next((m.description for m in self._models if m.name == key), ""))
        device = self.device_combo.currentData() or "auto"
        self.model_info.setText("\n".join(filter(None, (runtime_summary(model, device), about))))

    # --- choices <-> widgets --------------------------------------------------------------
    def choices(self, output_dir: str = "") -> DockChoices:
        """An adapted entry runs as its weights file (the settings need no new kind)."""
        key = self.model_combo.currentData()
        adapted = adapted_models.item_path(key)
        use_file = key == WEIGHTS_ITEM or adapted is not None
        change = self.mode() == "change"
        return DockChoices(
            mode=self.mode(), model="" if use_file or key is None else key,
            weights=adapted or self.weights_widget.filePath().strip(), use_weights=use_file,
            device=self.device_combo.currentData() or "auto",
            enhance=self.enhance_combo.currentData() or "none",
            tile=self.tile_spin.value(), overlap=self.overlap_spin.value(),
            batch=self.batch_spin.value(), compile=self.compile_check.isChecked(),
            distortion=self._mask_wanted if change else self.distortion_box.isChecked(),
            trust=self.trust_check.isChecked(),
            incidence=self.incidence_spin.value(), heading=self.heading_spin.value(),
            look=self.look_combo.currentText(), output_dir=output_dir)

    def set_choices(self, c: DockChoices) -> None:
        """Weights that are one of this project's adapted entries select that entry."""
        self.mode_combo.setCurrentIndex(max(self.mode_combo.findData(c.mode), 0))
        adapted = c.use_weights and c.weights in self._adapted
        if c.weights and not adapted:
            self.weights_widget.setFilePath(c.weights)
        key = (adapted_models.item_data(c.weights) if adapted else
               WEIGHTS_ITEM if c.use_weights else c.model)
        index = self.model_combo.findData(key)
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
        self._mask_wanted = c.distortion
        if self.distortion_box.isCheckable():
            self.distortion_box.setChecked(c.distortion)
        self.trust_check.setChecked(c.trust)
        self.incidence_spin.setValue(c.incidence)
        self.heading_spin.setValue(c.heading)
        self.look_combo.setCurrentText(c.look)
        if c.output_dir:
            self.output_widget.setDefaultRoot(c.output_dir)
            self.folder_widget.setDefaultRoot(c.output_dir)
        self._update_model_info()
