"""The two realism measures on known inputs: out-of-gamut fraction and grid-artefact excess."""
from __future__ import annotations

import numpy as np
import pytest
from sardine.training.evaluation.gamut import (
    Gamut,
    gamut_from_pixels,
    out_of_gamut_fraction,
    real_gamut,
)
from sardine.training.evaluation.grid import crop_to_period, grid_excess
from sardine.training.evaluation.realism import RealismAccumulator, realism_table
from sardine.training.simulate.noise import spectral_noise


def _greens(n: int = 64) -> np.ndarray:
    rng = np.random.default_rng(0)
    base = np.array([0.15, 0.3, 0.12])[:, None, None]
    return np.clip(base + 0.05 * rng.standard_normal((3, n, n)), 0, 1)


def test_gamut_holds_its_own_colours_and_refuses_magenta() -> None:
    greens = _greens()
    gamut = gamut_from_pixels([greens])
    assert out_of_gamut_fraction(greens, gamut) == 0.0
    magenta = np.broadcast_to(np.array([0.8, 0.1, 0.8])[:, None, None], (3, 8, 8))
    assert out_of_gamut_fraction(magenta, gamut) == 1.0
    half = np.concatenate([greens[:, :8, :8], magenta], axis=2)
    assert out_of_gamut_fraction(half, gamut) == pytest.approx(0.5)
    valid = np.zeros((8, 16), bool)
    valid[:, :8] = True
    assert out_of_gamut_fraction(half, gamut, valid) == 0.0
    again = Gamut.from_dict(gamut.to_dict())
    assert np.array_equal(again.occupied, gamut.occupied)


def test_growth_keeps_neighbours_along_one_channel_only() -> None:
    point = np.full((3, 4, 4), 0.5 + 1 / 64)  # the middle of cell 16 of 32 levels
    gamut = gamut_from_pixels([point], levels=32, grow=1)
    assert gamut.occupied.sum() == 7
    assert out_of_gamut_fraction(point + np.array([1 / 32, 0, 0])[:, None, None], gamut) == 0
    assert out_of_gamut_fraction(point + 1 / 32, gamut) == 1


def test_real_gamut_knows_real_greens_not_saturated_blue() -> None:
    gamut = real_gamut()
    forest = np.broadcast_to(np.array([0.073, 0.135, 0.066])[:, None, None], (3, 4, 4))
    blue = np.broadcast_to(np.array([0.1, 0.2, 0.9])[:, None, None], (3, 4, 4))
    assert out_of_gamut_fraction(forest, gamut) == 0.0
    assert out_of_gamut_fraction(blue, gamut) == 1.0


def _natural(n: int = 120, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return 0.4 + 0.1 * np.stack([spectral_noise((n, n), 10.0, rng, beta=1.6, corner_m=300.0)
                                 for _ in range(3)])


def test_grid_excess_is_about_one_without_a_grid_and_large_with_one() -> None:
    image = _natural()
    plain = grid_excess(image)
    assert 0.5 < plain < 2.0
    yy, xx = np.indices(image.shape[1:])
    checker = image + 0.02 * ((yy + xx) % 2)
    lines = image + 0.02 * ((yy % 8 == 0) | (xx % 8 == 0))
    assert grid_excess(checker) > 3 * plain
    assert grid_excess(lines) > 2.5 * plain
    assert grid_excess(lines, period=8) > grid_excess(image + 0.02 * (yy % 5 == 0), period=8)
    with pytest.raises(ValueError, match="multiples of 8"):
        grid_excess(image[:, :100, :100])
    assert crop_to_period(image[:, :100, :100]).shape == (3, 96, 96)


def test_accumulator_and_table() -> None:
    acc = RealismAccumulator(gamut_from_pixels([_greens()]))
    acc.add(_greens(), np.ones((64, 64), bool))
    result = acc.result()
    assert result["out_of_gamut"] == 0.0 and 0.3 < result["grid_excess"] < 3.0
    table = realism_table([{"model": "m", "realism": result}], result)
    assert "| *truth* | 0.00 |" in table and "| m | 0.00 |" in table
