"""A raster grid (CRS, transform, size) and the metric facts the terrain code needs.

The distortion masks, the simulator and the translation engine all need to know the ground
size of a pixel in metres; a geographic grid (degrees) must never be read as metres, so the
conversion lives here once.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from affine import Affine
from rasterio.crs import CRS
from rasterio.windows import Window

from .errors import InputError

# WGS84 ellipsoid, for metres per degree on geographic grids.
_WGS84_A = 6378137.0
_WGS84_E2 = 6.69437999014e-3


@dataclass(frozen=True)
class RasterGrid:
    """Where a raster's pixels lie: CRS, affine transform and size in pixels."""

    crs: CRS
    transform: Affine
    width: int
    height: int

    @classmethod
    def from_dataset(cls, ds: Any) -> RasterGrid:
        """The grid of an open rasterio dataset (or WarpedVRT)."""
        return cls(crs=ds.crs, transform=ds.transform, width=int(ds.width), height=int(ds.height))

    @classmethod
    def from_origin(cls, crs: CRS | str | int, west: float, north: float, pixel_size: float,
                    width: int, height: int) -> RasterGrid:
        """A north-up grid with square pixels whose top-left corner is (west, north)."""
        if isinstance(crs, int):
            crs = CRS.from_epsg(crs)
        elif isinstance(crs, str):
            crs = CRS.from_user_input(crs)
        return cls(crs=crs, transform=Affine(pixel_size, 0.0, west, 0.0, -pixel_size, north),
                   width=int(width), height=int(height))

    @property
    def shape(self) -> tuple[int, int]:
        return self.height, self.width

    @property
    def pixel_size(self) -> tuple[float, float]:
        """(x, y) pixel size in CRS units, both positive."""
        return abs(self.transform.a), abs(self.transform.e)

    @property
    def is_projected(self) -> bool:
        return self.crs is not None and bool(self.crs.is_projected)

    @property
    def is_north_up(self) -> bool:
        t = self.transform
        return t.b == 0.0 and t.d == 0.0 and t.a > 0.0 and t.e < 0.0

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(left, bottom, right, top) in CRS units."""
        t = self.transform
        xs = (t.c, t.c + t.a * self.width, t.c + t.b * self.height,
              t.c + t.a * self.width + t.b * self.height)
        ys = (t.f, t.f + t.d * self.width, t.f + t.e * self.height,
              t.f + t.d * self.width + t.e * self.height)
        return min(xs), min(ys), max(xs), max(ys)

    def window_grid(self, window: Window) -> RasterGrid:
        """The sub-grid covered by ``window``."""
        col, row = int(window.col_off), int(window.row_off)
        return RasterGrid(self.crs, self.transform * Affine.translation(col, row),
                          int(window.width), int(window.height))

    def profile(self, **options: Any) -> dict:
        """A rasterio GTiff creation profile on this grid; ``options`` add or override."""
        profile = {"driver": "GTiff", "crs": self.crs, "transform": self.transform,
                   "width": self.width, "height": self.height, "tiled": True,
                   "blockxsize": 256, "blockysize": 256, "compress": "deflate"}
        if self.width < 256 or self.height < 256:
            profile.update(tiled=False)
            profile.pop("blockxsize")
            profile.pop("blockysize")
        profile.update(options)
        return profile

    def metric_pixel_size(self, row: float | None = None) -> tuple[float, float]:
        """(x, y) ground size of a pixel in metres.

        Projected grids use their linear unit; geographic grids (degrees) use the WGS84
        ellipsoid's metres per degree at the latitude of ``row`` (default: the middle row),
        which holds to better than 0.1 % over a window of a few tens of kilometres.
        """
        if self.crs is None:
            raise InputError("The raster has no coordinate reference system, so its pixel "
                             "size in metres is unknown; assign one (gdal_edit.py -a_srs).")
        if not self.is_north_up:
            raise InputError("The raster grid is rotated or not north-up; warp it to a north-up "
                             "grid first (gdalwarp -t_srs EPSG:326xx).")
        px, py = self.pixel_size
        if self.crs.is_projected:
            factor = float(self.crs.linear_units_factor[1])
            return px * factor, py * factor
        if not self.crs.is_geographic:
            raise InputError(f"The CRS {self.crs} is neither projected nor geographic; warp the "
                             "raster to a UTM zone first.")
        row = self.height / 2.0 if row is None else row
        lat = self.transform.f + self.transform.e * row
        m_lon, m_lat = metres_per_degree(lat)
        return px * m_lon, py * m_lat

    def centre_lonlat(self) -> tuple[float, float]:
        """Longitude and latitude of the grid's centre (WGS84)."""
        from rasterio.warp import transform as warp_transform

        x, y = self.transform * (self.width / 2.0, self.height / 2.0)
        lon, lat = warp_transform(self.crs, CRS.from_epsg(4326), [x], [y])
        return float(lon[0]), float(lat[0])


def metres_per_degree(lat_deg: float) -> tuple[float, float]:
    """Metres per degree of longitude and of latitude at ``lat_deg`` on WGS84."""
    phi = math.radians(lat_deg)
    w = 1.0 - _WGS84_E2 * math.sin(phi) ** 2
    meridional = _WGS84_A * (1.0 - _WGS84_E2) / w ** 1.5
    normal = _WGS84_A / math.sqrt(w)
    return math.radians(1.0) * normal * math.cos(phi), math.radians(1.0) * meridional


def utm_crs(lon: float, lat: float) -> CRS:
    """The WGS84 UTM zone CRS containing (lon, lat)."""
    if not -80.0 <= lat <= 84.0:
        raise InputError(f"Latitude {lat:.2f} is outside UTM's range (-80..84); warp the DEM "
                         "to a polar stereographic CRS (EPSG:3413 or EPSG:3031) first.")
    zone = int((lon + 180.0) // 6.0) % 60 + 1
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def bounds_in(src_crs: CRS, src_bounds: Any, dst_crs: CRS) -> tuple[float, float, float, float]:
    """``src_bounds`` (left, bottom, right, top) in ``dst_crs``, edges densified so a curved
    reprojected edge is covered."""
    from rasterio.warp import transform_bounds

    left, bottom, right, top = transform_bounds(src_crs, dst_crs, *src_bounds, densify_pts=21)
    return float(left), float(bottom), float(right), float(top)


def overlap(bounds: tuple[float, float, float, float], other: Any) -> bool:
    """Two (left, bottom, right, top) boxes in one CRS share area (non-finite: no)."""
    left, bottom, right, top = bounds
    o_left, o_bottom, o_right, o_top = other
    return all(math.isfinite(v) for v in bounds) and left < o_right and right > o_left \
        and bottom < o_top and top > o_bottom
