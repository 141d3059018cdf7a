"""BigEarthNet v2 pairs in its LMDB layout (VV, VH dB; B04/B03/B02 reflectance; no DEM).

Layout (as published by BigEarthNet v2 and shipped, 24 real pairs, in the ``configilm==0.7.1``
wheel under ``configilm/extra/mock_data/BENv2/``):

- ``BigEarthNet-V2-LMDB/`` (``data.mdb``): one value per patch name; each value is a
  *safetensors* blob: Sentinel-1 keys (``s1_name``) hold ``VV`` and ``VH`` float32 dB,
  120 x 120; Sentinel-2 keys (``patch_id``) hold 12 uint16 L2A bands (B02/B03/B04/B08 at
  120 x 120, the 20 m bands at 60 x 60, the 60 m ones at 20 x 20);
- ``metadata.parquet``: ``patch_id``, ``s1_name``, ``labels`` (CORINE, 19-class
  nomenclature), ``split`` (train / validation / test), ``country``;
- ``metadata_for_patches_with_snow_cloud_or_shadow.parquet``: the same for patches with
  seasonal snow, cloud or cloud shadow (left out unless ``include_flagged``).

Why safetensors only: a blob that is not one (a pickle, as in BigEarthNet v1's LMDB) is
refused, never unpickled. The published split is kept (``published_split``).
Values are read lazily, one transaction per item; the environment is reopened in each
DataLoader worker process (LMDB handles must not cross a fork).
"""
from __future__ import annotations

import importlib.util
import json
import os
import struct
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch

from ...core.errors import InputError, MissingDependencyError
from ...core.normalization import Normalization
from .base import S2_DISPLAY_SCALE, Item, SardineDataset

LMDB_FOLDER = "BigEarthNet-V2-LMDB"
METADATA = "metadata.parquet"
FLAGGED_METADATA = "metadata_for_patches_with_snow_cloud_or_shadow.parquet"
RGB_BANDS = ("B04", "B03", "B02")
SPLIT_NAMES = {"train": "train", "validation": "val", "val": "val", "test": "test"}
WHEEL_FOLDER = ("extra", "mock_data", "BENv2")
INSTALL_HINT = "python -m pip install --no-deps configilm==0.7.1"


@dataclass(frozen=True)
class PatchRecord:
    """One row of the metadata: the pair's two keys, its labels and published split."""

    patch_id: str
    s1_name: str
    labels: tuple[str, ...]
    split: str  # train / val / test
    country: str
    flagged: bool  # seasonal snow, cloud or cloud shadow


def configilm_benv2_root() -> Path:
    """The BENv2 folder inside the installed ``configilm`` wheel (located, not imported:
    its own dependencies are not needed)."""
    spec = importlib.util.find_spec("configilm")
    if spec is None or not spec.submodule_search_locations:
        raise MissingDependencyError(
            f"The 24 real BigEarthNet v2 pairs ship in the configilm wheel; install it with "
            f"'{INSTALL_HINT}'.")
    root = Path(list(spec.submodule_search_locations)[0]).joinpath(*WHEEL_FOLDER)
    if not (root / METADATA).is_file():
        raise MissingDependencyError(f"{root / METADATA} is missing; reinstall with "
                                     f"'{INSTALL_HINT} --force-reinstall'.")
    return root


def is_benv2_folder(root: Path) -> bool:
    return (root / METADATA).is_file() and (root / LMDB_FOLDER / "data.mdb").is_file()


def _parquet_rows(path: Path) -> list[dict]:
    try:
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise MissingDependencyError("Reading BigEarthNet v2 metadata needs pyarrow; install "
                                     "it with 'python -m pip install pyarrow==26.0.1'.") from exc
    try:
        return pq.read_table(path, columns=["patch_id", "s1_name", "labels", "split",
                                            "country"]).to_pylist()
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(f"{path} is not a BigEarthNet v2 metadata parquet ({exc}); restore "
                         "it from the dataset.") from exc


def read_metadata(root: Path, include_flagged: bool = False) -> list[PatchRecord]:
    """The pairs listed in ``root``'s metadata, in file order (flagged ones last)."""
    files = [(root / METADATA, False)]
    if include_flagged and (root / FLAGGED_METADATA).is_file():
        files.append((root / FLAGGED_METADATA, True))
    records = []
    for path, flagged in files:
        for row in _parquet_rows(path):
            split = SPLIT_NAMES.get(str(row["split"]))
            if split is None:
                raise InputError(f"{path}: patch {row['patch_id']} has the unknown split "
                                 f"{row['split']!r}; expected train, validation or test.")
            records.append(PatchRecord(str(row["patch_id"]), str(row["s1_name"]),
                                       tuple(row["labels"] or ()), split,
                                       str(row["country"]), flagged))
    return records


def decode_safetensors(blob: bytes, key: str) -> dict[str, np.ndarray]:
    """Arrays of a safetensors blob; anything else (a pickle, say) is refused unread."""
    if len(blob) < 10:
        raise InputError(f"LMDB value {key!r} is {len(blob)} bytes, too short for a "
                         "safetensors blob; the database is damaged or not BigEarthNet v2.")
    (size,) = struct.unpack("<Q", blob[:8])
    if not 2 <= size <= len(blob) - 8 or blob[8:9] != b"{":
        raise InputError(f"LMDB value {key!r} is not a safetensors blob (a pickled value?); "
                         "Sardine never unpickles data: use BigEarthNet v2's LMDB, whose "
                         "values are safetensors.")
    from safetensors import SafetensorError
    from safetensors.numpy import load

    try:
        json.loads(blob[8:8 + size])
        return load(blob)
    except (ValueError, SafetensorError) as exc:
        raise InputError(f"LMDB value {key!r} is not a valid safetensors blob ({exc}); the "
                         "database is damaged.") from exc


_ENVIRONMENTS: dict[tuple[str, int], object] = {}


def _environment(path: Path):
    """One read-only environment per folder and process (LMDB refuses a second one in the
    same process, and a handle must not cross a fork)."""
    key = (str(path.resolve()), os.getpid())
    if key not in _ENVIRONMENTS:
        try:
            import lmdb
        except ImportError as exc:
            raise MissingDependencyError("Reading BigEarthNet v2 needs lmdb; install it with "
                                         "'python -m pip install lmdb==3.0.0'.") from exc
        try:
            _ENVIRONMENTS[key] = lmdb.open(key[0], readonly=True, lock=False, readahead=False,
                                           subdir=True)
        except lmdb.Error as exc:
            raise InputError(f"{path} cannot be opened as an LMDB ({exc}); restore the "
                             "BigEarthNet-V2-LMDB folder.") from exc
    return _ENVIRONMENTS[key]


class LmdbReader:
    """Read-only access to one LMDB folder, by key."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def get(self, key: str) -> dict[str, np.ndarray]:
        with _environment(self.path).begin(buffers=False) as txn:
            blob = txn.get(key.encode())
        if blob is None:
            raise InputError(f"{self.path} has no value {key!r} although the metadata lists "
                             "it; the LMDB and metadata.parquet do not belong together.")
        return decode_safetensors(bytes(blob), key)


class BigEarthNetV2Dataset(SardineDataset):
    """The pairs of a BigEarthNet v2 LMDB with their published split."""

    kind = "benv2"
    has_dem = False
    pixel_size_m = 10.0

    def __init__(self, root: str | Path, norm: Normalization | None = None,
                 augment: bool = False, seed: int = 0, include_flagged: bool = False) -> None:
        root = Path(root)
        if not is_benv2_folder(root):
            raise InputError(f"{root} is not a BigEarthNet v2 folder: it needs {METADATA} and "
                             f"{LMDB_FOLDER}/data.mdb (the configilm wheel's copy is at "
                             "configilm/extra/mock_data/BENv2).")
        # The optical scale is the data's own (reflectance x 10000 -> display), whatever the
        # caller's normalisation says about SAR.
        norm = replace(norm or Normalization(sar_bands=("VV", "VH"),
                                             sar_db_ranges=Normalization().sar_db_ranges),
                       optical_scale=S2_DISPLAY_SCALE)
        super().__init__(root, norm, augment, seed)
        self.reader = LmdbReader(root / LMDB_FOLDER)
        self.records = {r.patch_id: r for r in read_metadata(root, include_flagged)}
        self.items = [Item(r.patch_id, r.patch_id, r) for r in self.records.values()]

    def published_split(self) -> dict[str, list[str]]:
        """Item names per part as the metadata publishes them."""
        split: dict[str, list[str]] = {"train": [], "val": [], "test": []}
        for record in self.records.values():
            split[record.split].append(record.patch_id)
        return {part: sorted(names) for part, names in split.items()}

    def read_raw(self, record: PatchRecord, s2_bands: tuple[str, ...] = RGB_BANDS
                 ) -> tuple[np.ndarray, np.ndarray]:
        """(SAR dB (bands of the normalisation), S2 bands as stored, upsampled by repetition
        to the 10 m grid), both float32."""
        s1 = self.reader.get(record.s1_name)
        s2 = self.reader.get(record.patch_id)
        pol = [b.upper() for b in self.norm.sar_bands]
        missing = [b for b in pol if b not in s1] + [b for b in s2_bands if b not in s2]
        if missing:
            raise InputError(f"BigEarthNet v2 patch {record.patch_id} lacks {missing}; the "
                             "LMDB is incomplete.")
        sar = np.stack([s1[b] for b in pol]).astype(np.float32)
        size = sar.shape[-1]
        bands = []
        for b in s2_bands:
            band = s2[b].astype(np.float32)
            factor = size // band.shape[-1]
            if factor > 1:
                band = np.repeat(np.repeat(band, factor, axis=0), factor, axis=1)
            bands.append(band)
        return sar, np.stack(bands)

    def load(self, item: Item) -> dict[str, torch.Tensor]:
        sar, rgb = self.read_raw(item.source)
        valid = (rgb > 0).all(axis=0)  # 0 is Sentinel-2's no-data value
        return self.make_sample(sar, None, rgb, valid=valid, sar_is_db=True,
                                source=f"{self.root} ({item.name})")

    def describe(self) -> dict:
        info = super().describe()
        info["source"] = ("BigEarthNet v2 (CDLA-Permissive-1.0; Sentinel data: Copernicus "
                          "licence), published split")
        info["split_sizes"] = {k: len(v) for k, v in self.published_split().items()}
        return info
