"""The trust layer ranks translation error (docs/CHANGE.md): on a small simulated scene
translated with the bundled weights a user gets, 1 - trust and the per-pixel CIELAB error
go together (Spearman), the colour component most of all. Seed 30 at 192^2 is not one of
the scenes the colour fit was made on (seeds 10-13); measured there: trust 0.45, colour
0.51, so the thresholds leave a margin of about 0.15."""
from __future__ import annotations

from sardine.training.evaluation.trust import fit_colour_error, measure_scene
from sardine.training.simulate import SceneSpec, simulate_scene, write_scene


def test_low_trust_goes_with_high_error(tmp_path):
    scene = tmp_path / "scene"
    write_scene(simulate_scene(SceneSpec(size=192, seed=30)), scene)
    row = measure_scene(scene, "sardinet-late", tmp_path, threads=1, spread=False)
    rho = row["spearman"]
    assert rho["1 - trust"] > 0.3, rho
    assert rho["1 - colour"] > 0.35, rho
    error, chroma, lightness = row["samples"]
    c0, c1, c2 = fit_colour_error([row["samples"]])
    assert c1 > 0 and c2 > 0  # more vivid, lighter predicted colours: larger errors
    assert error.size == chroma.size == lightness.size > 10_000
