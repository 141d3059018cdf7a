"""The acquisition geometry a SAR file states about itself: incidence angle and heading.

Read from the raster's GDAL metadata (default domain, then band 1) under the names the
producers use (Sentinel-1 annotation: ``incidenceAngleMidSwath``, ``platformHeading``;
SNAP's abstracted metadata: ``incidence_near``/``incidence_far``, ``centre_heading``), and
from a SNAP BEAM-DIMAP header (``NAME.dim`` beside ``NAME.data/``) when the raster is one of
its bands. Nothing is guessed: a value is used only when the file states it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError
from .geometry import AcquisitionGeometry

INCIDENCE_KEYS = ("incidence_angle", "incidenceanglemidswath", "incidence_mid", "incidence")
INCIDENCE_RANGE_KEYS = ("incidence_near", "incidence_far")
HEADING_KEYS = ("centre_heading", "center_heading", "platformheading", "platform_heading",
                "heading")
WHERE = ("Incidence angle: Sentinel-1 IW is about 30 to 46 degrees (the product's "
         "annotation says incidenceAngleMidSwath; SNAP's Abstracted_Metadata incidence_near "
         "and incidence_far). Heading: the flight direction clockwise from north (annotation "
         "platformHeading; SNAP centre_heading): about 190 descending, 350 ascending.")
_MDATTR = re.compile(r'<MDATTR\s+name="([^"]+)"[^>]*>([^<]*)</MDATTR>', re.IGNORECASE)


@dataclass(frozen=True)
class StatedGeometry:
    """What the file states; None where it says nothing."""

    incidence_deg: float | None = None
    heading_deg: float | None = None
    source: str = ""


def _number(value: object) -> float | None:
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return number if number == number else None  # NaN says nothing


def from_items(items: dict[str, str], source: str) -> StatedGeometry:
    """Incidence and heading from ``key -> value`` metadata (keys compared case-blind)."""
    lower = {k.lower(): v for k, v in items.items()}
    incidence = next((n for k in INCIDENCE_KEYS if (n := _number(lower.get(k))) is not None),
                     None)
    if incidence is None:
        near, far = (_number(lower.get(k)) for k in INCIDENCE_RANGE_KEYS)
        if near is not None and far is not None:
            incidence = (near + far) / 2.0
    heading = next((n for k in HEADING_KEYS if (n := _number(lower.get(k))) is not None), None)
    if heading is not None:
        heading %= 360.0  # Sentinel-1 annotations say -167 for a descending pass
    stated = incidence is not None or heading is not None
    return StatedGeometry(incidence, heading, source if stated else "")


def _dimap_header(path: Path) -> Path | None:
    """``NAME.dim`` for a band ``NAME.data/x.img`` of a BEAM-DIMAP product, or the path
    itself when it is the header."""
    if path.suffix.lower() == ".dim":
        return path
    parent = path.parent
    if parent.suffix.lower() == ".data":
        header = parent.with_suffix(".dim")
        return header if header.is_file() else None
    return None


def read_stated_geometry(path: str | Path) -> StatedGeometry:
    """Incidence and heading stated by the SAR file (or its DIMAP header); empty if none
    (or if rasterio is missing: QGIS then says what to install)."""
    try:
        import rasterio
        from rasterio.errors import RasterioError
    except ImportError:
        return StatedGeometry()

    path = Path(path)
    items: dict[str, str] = {}
    try:
        with rasterio.open(path) as ds:
            items.update(ds.tags(1) if ds.count else {})
            items.update(ds.tags())
    except (RasterioError, OSError):
        pass
    stated = from_items(items, f"the metadata of {path.name}")
    if stated.incidence_deg is not None and stated.heading_deg is not None:
        return stated
    header = _dimap_header(path)
    if header is not None:
        try:
            text = header.read_text(errors="replace")
        except OSError:
            return stated
        dimap = from_items(dict(_MDATTR.findall(text)), f"the SNAP header {header.name}")
        return StatedGeometry(
            stated.incidence_deg if stated.incidence_deg is not None else dimap.incidence_deg,
            stated.heading_deg if stated.heading_deg is not None else dimap.heading_deg,
            dimap.source or stated.source)
    return stated


def resolve_geometry(incidence: float | None, heading: float | None, look: str,
                     sar: str | Path | None, notes: list[str] | None = None
                     ) -> AcquisitionGeometry:
    """Incidence and heading as given, else as the SAR file states them (said in
    ``notes``); refused when neither says, since a guessed geometry draws a wrong mask."""
    if (incidence is None or heading is None) and sar is not None:
        stated = read_stated_geometry(sar)
        read = []
        if incidence is None and stated.incidence_deg is not None:
            incidence = stated.incidence_deg
            read.append(f"incidence angle {incidence:.1f}")
        if heading is None and stated.heading_deg is not None:
            heading = stated.heading_deg
            read.append(f"heading {heading:.1f}")
        if read and notes is not None:
            notes.append(f"Distortion mask: {' and '.join(read)} degrees read from "
                         f"{stated.source}.")
    missing = [name for name, value in (("incidence angle", incidence), ("heading", heading))
               if value is None]
    if missing or incidence is None or heading is None:
        where = "the SAR file's metadata does not state" if sar is not None else "no SAR file gives"
        raise InputError(f"The distortion mask needs the {' and the '.join(missing)}, which "
                         f"{where}; give {'it' if len(missing) == 1 else 'them'}. {WHERE}")
    return AcquisitionGeometry(incidence_deg=float(incidence), heading_deg=float(heading),
                               look=look)
