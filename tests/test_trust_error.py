"""The trust layer ranks translation error (docs/CHANGE.md): on a simulated test scene
translated with the bundled weights a user gets, 1 - trust and the per-pixel CIELAB error
go together (Spearman), the colour component most of all. Seed 20 at 512^2 is the issue's
own setting (`sardine evaluate-trust` test seeds 20-23; the calibration is fitted on seeds
10-13) and the lowest of the four with the bundled sardinet-late retrained on 1 Dec 2026:
trust 0.344, colour 0.378 (its own calibration; 4 s). The thresholds are the target (0.3),
not the figure. (The earlier weights gave 0.66 on a 192^2 scene of seed 30; the retrained
ones, smoother, 0.21 there: a small scene of one seed is not the target's measure.)"""
from __future__ import annotations

import pytest
from sardine.core.errors import InputError
from sardine.training.evaluation.trust import evaluate_trust, measure_scene
from sardine.training.evaluation.trust_fit import fit_calibration
from sardine.training.simulate import SceneSpec, simulate_scene, write_scene
from support import checksum, save_tiny


def test_low_trust_goes_with_high_error(tmp_path):
    scene = tmp_path / "scene"
    write_scene(simulate_scene(SceneSpec(size=512, seed=20)), scene)
    row = measure_scene(scene, "sardinet-late", tmp_path, threads=1, spread=False)
    rho = row["spearman"]
    assert rho["1 - trust"] > 0.3, rho
    assert rho["1 - colour"] > 0.35, rho
    samples = row["samples"]
    assert samples["error"].size == samples["sar2"].size == samples["keep"].size > 10_000
    assert "water" in row["regions"] and "layover/shadow" in row["regions"]
    assert fit_calibration([samples], "seed 20").sar_bands_used == 2


def test_evaluate_trust_fits_into_a_new_file(tmp_path):
    """``--fit-out``: the calibration fitted on the training seed is written to a new file,
    the test seed is measured with it, and the input stays as it was."""
    source = save_tiny(tmp_path / "w.safetensors")
    before = checksum(source)
    with pytest.raises(InputError, match="also an input"):
        evaluate_trust([1], [2], str(source), size=48, spread=False, fit_out=source)
    with pytest.raises(InputError, match="seeds must differ"):
        evaluate_trust([1, 2], [2], str(source), size=48, spread=False)
    out = tmp_path / "w2.safetensors"
    report = evaluate_trust([1], [2], str(source), size=96, spread=False, fit_out=out)
    assert checksum(source) == before and report["written"] == str(out)
    assert report["calibration_fitted_on_train"]["fitted_on"].startswith("fitted for w.safe")
    assert report["test"][0]["seed"] == 2 and not report["calibration_before"]["own"]


def test_cli_fit_out_refuses_the_input_in_one_line(tmp_path, cli):
    source = save_tiny(tmp_path / "w.safetensors")
    before = checksum(source)
    proc = cli("evaluate-trust", "--model", str(source), "--fit-out", str(source),
               "--train-seeds", "1", "--test-seeds", "2", "--size", "48", "--no-spread")
    assert proc.returncode == 1 and "also an input" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert checksum(source) == before and sorted(p.name for p in tmp_path.iterdir()) == [
        "w.safetensors"]
