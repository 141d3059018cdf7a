"""The model zoo: the published counts, forward shapes at any size, the predict contract,
configs that round-trip through JSON, and clear refusals."""
from __future__ import annotations

import json

import pytest
import torch
from sardine.core.errors import InputError
from sardine.core.models import (
    CycleGANConfig,
    ModelSpec,
    PatchGANDiscriminator,
    Pix2PixConfig,
    SARDINetConfig,
    TranslationModel,
    build_cyclegan_training_nets,
    build_model,
    build_pix2pix_discriminator,
    list_models,
    model_info,
)

NAMES = ["sardinet", "sardinet-early", "sardinet-late", "sardinet-intermediate", "pix2pix",
         "cyclegan"]
# Small widths: same layers, same shapes, a fraction of the compute.
TINY_SARDINET = {"conditioning_widths": [8, 16], "balanced_kernels": [[2, 4], [2, 8]],
                 "encoder_widths": [16, 32], "decoder_widths": [16, 8]}
TINY = {name: TINY_SARDINET for name in NAMES[:4]} | {"pix2pix": {"ngf": 4},
                                                       "cyclegan": {"ngf": 4}}


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def inputs(height: int, width: int, sar_channels: int = 2, batch: int = 1):
    generator = torch.Generator().manual_seed(height * 1000 + width)
    return (torch.rand(batch, sar_channels, height, width, generator=generator),
            torch.rand(batch, 1, height, width, generator=generator))


def test_registry_lists_the_six_models():
    assert list_models() == NAMES


@pytest.mark.parametrize("name, expected", [
    ("sardinet", 222_912), ("sardinet-early", 223_776), ("sardinet-late", 223_776),
    ("sardinet-intermediate", 9_852)])
def test_conditioning_weights_match_the_paper(name, expected):
    model = build_model(name)
    assert model.conditioning_weight_count() == expected
    assert model_info(name)["conditioning_weights"] == expected
    assert 5_000_000 <= model.parameter_count() <= 7_500_000


def test_every_sardinet_variant_hands_256_channels_to_the_encoder():
    for name in NAMES[:4]:
        model = build_model(name)
        sar, dem = inputs(16, 16)
        assert model.conditioning(sar, dem).shape == (1, 256, 8, 8)


def test_gan_generator_sizes_match_the_reference():
    assert model_info("pix2pix")["parameters"] == 54_412_931          # unet256, 2 -> 3
    assert model_info("cyclegan", {"uses_dem": True})["parameters"] == 11_378_179  # 3 -> 3
    assert model_info("pix2pix")["conditioning_weights"] is None


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("size", [(256, 256), (250, 301)])
def test_predict_shape_and_range_at_any_size(name, size):
    torch.manual_seed(0)
    model = build_model(name, TINY[name]).eval()
    sar, dem = inputs(*size)
    rgb = model.predict(sar, dem)
    assert rgb.shape == (1, 3, *size)
    assert rgb.dtype == torch.float32
    assert float(rgb.min()) >= 0.0 and float(rgb.max()) <= 1.0
    assert torch.isfinite(rgb).all()


@pytest.mark.parametrize("name", ["sardinet-intermediate", "pix2pix"])
def test_default_models_predict_an_odd_size(name):
    """Full-size defaults (the tiny configs above share every layer type): unet256 pads
    57 x 83 to 256 x 256."""
    model = build_model(name).eval()
    sar, dem = inputs(57, 83)
    assert model.predict(sar, dem).shape == (1, 3, 57, 83)


def test_forward_is_the_raw_network_for_training():
    model = build_model("sardinet-early", TINY_SARDINET).train()
    sar, dem = inputs(32, 48, batch=2)
    out = model(sar, dem)
    assert out.shape == (2, 3, 32, 48) and out.requires_grad
    out.mean().backward()
    assert all(p.grad is not None for p in model.parameters())
    with pytest.raises(InputError, match="multiples of 8.*predict"):
        model(*inputs(30, 48))


def test_ranges_are_declared_in_the_spec():
    sardinet, gan = build_model("sardinet", TINY_SARDINET), build_model("pix2pix", {"ngf": 4})
    assert sardinet.spec.output_range == (0.0, 1.0) and gan.spec.output_range == (-1.0, 1.0)
    assert gan.spec.input_range == (-1.0, 1.0)
    half = torch.full((1, 3, 2, 2), 0.5)
    assert torch.equal(gan.unit_to_output_range(half), torch.zeros_like(half))
    assert torch.equal(gan.output_to_unit(torch.full((1, 3, 2, 2), -2.0)), torch.zeros_like(half))
    assert torch.equal(sardinet.unit_to_input_range(half), half)


@pytest.mark.parametrize("name", NAMES)
def test_tiny_inputs_are_padded_not_rejected(name):
    model = build_model(name, TINY[name]).eval()
    for size in [(1, 1), (2, 3), (5, 7), (9, 17)]:
        assert model.predict(*inputs(*size)).shape == (1, 3, *size)


def test_channels_last_gives_the_same_result():
    model = build_model("sardinet-intermediate", TINY_SARDINET).eval()
    sar, dem = inputs(40, 56)
    expected = model.predict(sar, dem)
    model = model.to(memory_format=torch.channels_last)
    got = model.predict(sar.contiguous(memory_format=torch.channels_last),
                        dem.contiguous(memory_format=torch.channels_last))
    torch.testing.assert_close(got, expected)


@pytest.mark.parametrize("mode", ["transpose-subpixel", "transpose", "bilinear",
                                  "bilinear-subpixel", "pixelshuffle", "nearest"])
def test_every_upsampling_mode(mode):
    model = build_model("sardinet", TINY_SARDINET | {"upsampling": mode}).eval()
    for size in [(24, 40), (3, 5)]:
        assert model.predict(*inputs(*size)).shape == (1, 3, *size)


@pytest.mark.parametrize("mode", ["transpose-subpixel", "bilinear", "nearest"])
def test_a_fresh_sardinet_can_start_at_a_colour(mode):
    torch.manual_seed(0)
    model = build_model("sardinet-late", TINY_SARDINET | {"upsampling": mode})
    colour = [0.15, 0.21, 0.12]
    assert model.start_at_colour(colour)
    rgb = model.eval().predict(*inputs(32, 32))
    assert torch.allclose(rgb.mean(dim=(0, 2, 3)), torch.tensor(colour), atol=0.03)
    assert not build_model("pix2pix", TINY["pix2pix"]).start_at_colour(colour)


def test_fusion_models_need_a_dem_and_sar_only_models_ignore_one():
    sar, dem = inputs(16, 16)
    for name in NAMES[1:4]:
        with pytest.raises(InputError, match="DEM.*supply a DEM"):
            build_model(name, TINY_SARDINET).predict(sar, None)
    model = build_model("sardinet", TINY_SARDINET).eval()
    assert torch.equal(model.predict(sar, dem), model.predict(sar, None))


def test_wrong_inputs_are_refused_with_the_fix():
    model = build_model("sardinet-late", TINY_SARDINET)
    with pytest.raises(InputError, match=r"\(batch, 2, height, width\).*band"):
        model.predict(torch.rand(1, 3, 16, 16), torch.rand(1, 1, 16, 16))
    with pytest.raises(InputError, match="resample the DEM"):
        model.predict(torch.rand(1, 2, 16, 16), torch.rand(1, 1, 16, 17))


def test_vv_only_and_dem_gan_inputs():
    model = build_model("pix2pix", {"generator": "compact", "sar_channels": 1}).eval()
    assert model.spec.inputs_label == "VV" and model.spec.size_multiple == 16
    assert model.predict(inputs(20, 30, sar_channels=1)[0]).shape == (1, 3, 20, 30)
    gan = build_model("cyclegan", {"ngf": 4, "uses_dem": True})
    assert gan.input_channels == 3 and gan.spec.inputs_label == "VV,VH+DEM"


@pytest.mark.parametrize("name", NAMES)
def test_config_round_trips_through_json(name):
    model = build_model(name, TINY[name])
    data = json.loads(json.dumps(model.config.to_dict()))
    assert type(model.config).from_dict(data) == model.config
    again = build_model(name, data)
    assert again.spec == model.spec
    assert again.state_dict().keys() == model.state_dict().keys()
    assert isinstance(again, TranslationModel) and isinstance(again.spec, ModelSpec)


def test_config_dataclasses_and_their_refusals():
    assert build_model("sardinet-late", SARDINetConfig(fusion="late")).spec.uses_dem
    bilinear = build_model("sardinet-late", SARDINetConfig(upsampling="bilinear", **TINY_SARDINET))
    assert bilinear.config.fusion == "late" and bilinear.config.upsampling == "bilinear"
    assert build_model("pix2pix", Pix2PixConfig(ngf=4)).config.ngf == 4
    with pytest.raises(InputError, match="use model 'sardinet-early'"):
        build_model("sardinet-late", {"fusion": "early"})
    with pytest.raises(InputError, match="takes a SARDINetConfig"):
        build_model("sardinet", CycleGANConfig())
    with pytest.raises(InputError, match="Unknown SARDINetConfig setting.*widht"):
        build_model("sardinet", {"widht": 3})
    with pytest.raises(InputError, match="one of transpose-subpixel"):
        SARDINetConfig(upsampling="cubic")
    with pytest.raises(InputError, match="K_S x K_C"):
        SARDINetConfig(fusion="intermediate", balanced_kernels=((8, 12), (4, 32)))
    with pytest.raises(InputError, match="one of unet256, compact"):
        Pix2PixConfig(generator="unet128")
    with pytest.raises(InputError, match="Unknown model 'sardine'.*sardinet"):
        build_model("sardine")


def test_gan_training_parts():
    disc = PatchGANDiscriminator(3, ndf=8)
    assert disc(torch.rand(1, 3, 256, 256)).shape == (1, 1, 30, 30)  # 70 x 70 patches
    weights = torch.cat([m.weight.flatten() for m in disc.modules()
                         if isinstance(m, torch.nn.Conv2d)])
    assert abs(float(weights.detach().std()) - 0.02) < 0.004
    pix2pix = build_model("pix2pix", {"ngf": 4, "uses_dem": True})
    assert build_pix2pix_discriminator(pix2pix, ndf=8).model[0].in_channels == 3 + 3
    cyclegan = build_model("cyclegan", {"ngf": 4, "uses_dem": True})
    nets = build_cyclegan_training_nets(cyclegan, ndf=8)
    fake_sar = nets.reverse_generator(torch.rand(1, 3, 32, 32) * 2 - 1)
    assert fake_sar.shape == (1, 3, 32, 32)
    assert nets.sar_discriminator(fake_sar).shape[1] == 1
    # The inference model (what a weights file stores) holds the forward generator only.
    assert all(key.startswith("generator.") for key in cyclegan.state_dict())
    reverse_count = sum(p.numel() for p in nets.reverse_generator.parameters())
    assert cyclegan.parameter_count() == reverse_count  # 3 -> 3 both ways with a DEM


def test_reflect_padding_larger_than_the_input_keeps_reflecting():
    from sardine.core.models.padding import crop, pads_for, reflect_pad

    row = torch.arange(3.0).view(1, 1, 1, 3)
    padded = reflect_pad(row, (5, 5, 0, 0))
    assert padded.flatten().tolist() == [1, 0, 1, 2, 1, 0, 1, 2, 1, 0, 1, 2, 1]
    assert reflect_pad(torch.ones(1, 1, 1, 1), (2, 1, 3, 0)).shape == (1, 1, 4, 4)
    pads = pads_for(250, 301, 256, 256)
    assert pads == (105, 106, 3, 3)
    image = torch.rand(1, 2, 250, 301)
    assert torch.equal(crop(reflect_pad(image, pads), pads, 250, 301), image)
