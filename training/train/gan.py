"""The adversarial families: pix2pix and CycleGAN, with the reference defaults.

pix2pix: a conditional 70x70 PatchGAN sees [input, image]; D loss (BCE on logits) halved,
G loss = GAN + 100 * L1; Adam 2e-4, betas (0.5, 0.999); D is updated first.
CycleGAN: SAR(+DEM) -> RGB (the translation model) and RGB -> SAR(+DEM) generators, one
PatchGAN per domain, LSGAN losses, cycle weight 10 each way, identity 0.5 x 10 only when
both domains have the same channel count, a 50-image pool of fakes per discriminator,
constant learning rate then linear decay to zero over the last ``decay_epochs``.
Invalid optical pixels are left out: from L1/cycle terms pixel by pixel, and from the
discriminator losses patch by patch (``losses.patch_weights``).
"""
from __future__ import annotations

import itertools

import torch
from torch import nn

from ...core.models.gan import build_cyclegan_training_nets, build_pix2pix_discriminator
from .ddp import unwrap, wrap
from .losses import gan_loss, masked_l1, patch_weights
from .steps import Step, register

BETAS = (0.5, 0.999)


def set_requires_grad(module: nn.Module, flag: bool) -> None:
    for p in module.parameters():
        p.requires_grad_(flag)


class ImagePool:
    """History of generated images (Shrivastava et al.): half the time the discriminator
    sees an older fake instead of the newest, which damps oscillation. Draws come from its
    own seeded generator so a resumed run makes the same choices."""

    def __init__(self, size: int, seed: int) -> None:
        self.size = int(size)
        self.images: list[torch.Tensor] = []
        self.rng = torch.Generator().manual_seed(int(seed))

    def query(self, batch: torch.Tensor) -> torch.Tensor:
        if self.size <= 0:
            return batch
        out = []
        for image in batch.detach():
            image = image.unsqueeze(0)
            if len(self.images) < self.size:
                self.images.append(image.clone())
                out.append(image)
            elif torch.rand(1, generator=self.rng).item() > 0.5:
                pick = int(torch.randint(0, self.size, (1,), generator=self.rng).item())
                out.append(self.images[pick].clone())
                self.images[pick] = image.clone()
            else:
                out.append(image)
        return torch.cat(out, 0)

    def state(self, prefix: str) -> dict[str, torch.Tensor]:
        tensors = {f"{prefix}.rng": self.rng.get_state()}
        if self.images:
            tensors[f"{prefix}.images"] = torch.cat(self.images, 0).cpu()
        return tensors

    def load(self, prefix: str, tensors: dict[str, torch.Tensor], device) -> None:
        self.rng.set_state(tensors[f"{prefix}.rng"])
        images = tensors.get(f"{prefix}.images")
        self.images = [] if images is None else [i.unsqueeze(0).to(device) for i in images]


@register("pix2pix")
class Pix2PixStep(Step):
    lr_key = "pix2pix"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        disc = self.amp.prepare_model(build_pix2pix_discriminator(
            self.translation_model, ndf=self.cfg.ndf, n_layers=self.cfg.d_layers))
        self.modules["discriminator"] = wrap(disc, self.ctx)
        self.optimizers["generator"] = torch.optim.Adam(self.model.parameters(), lr=self.lr,
                                                        betas=BETAS)
        self.optimizers["discriminator"] = torch.optim.Adam(disc.parameters(), lr=self.lr,
                                                            betas=BETAS)

    def train_batch(self, batch: dict) -> dict[str, float]:
        sar, dem, target, valid = self.inputs(batch)
        model = self.translation_model
        disc, disc_raw = self.modules["discriminator"], unwrap(self.modules["discriminator"])
        opt_g, opt_d = self.optimizers["generator"], self.optimizers["discriminator"]
        cond = model.stack_inputs(sar, dem)
        with self.amp.autocast():
            fake = self.net(sar, dem)
        # Discriminator: real pairs -> 1, fake pairs -> 0, halved.
        set_requires_grad(disc_raw, True)
        opt_d.zero_grad(set_to_none=True)
        with self.amp.autocast():
            logits_fake = disc(torch.cat((cond, fake.detach()), 1))
            logits_real = disc(torch.cat((cond, target), 1))
        weight = patch_weights(valid, tuple(logits_real.shape[-2:]))
        d_fake = gan_loss(logits_fake, False, "vanilla", weight)
        d_real = gan_loss(logits_real, True, "vanilla", weight)
        self.amp.backward(0.5 * (d_fake + d_real))
        self.amp.step(opt_d)
        # Generator: fool D, and stay close to the truth (L1 on valid pixels).
        set_requires_grad(disc_raw, False)
        opt_g.zero_grad(set_to_none=True)
        with self.amp.autocast():
            logits = disc_raw(torch.cat((cond, fake), 1))
        g_gan = gan_loss(logits, True, "vanilla", weight)
        g_l1 = masked_l1(fake, target, valid)
        self.amp.backward(g_gan + self.cfg.lambda_l1 * g_l1)
        self.amp.step(opt_g)
        set_requires_grad(disc_raw, True)
        self.amp.update()
        return {"g_gan": float(g_gan.detach()), "g_l1": float(g_l1.detach()),
                "d_real": float(d_real.detach()), "d_fake": float(d_fake.detach())}


@register("cyclegan")
class CycleGANStep(Step):
    lr_key = "cyclegan"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        model = self.translation_model
        spec = model.spec
        self.in_ch = spec.input_channels
        nets = build_cyclegan_training_nets(model, ndf=self.cfg.ndf, n_layers=self.cfg.d_layers)
        reverse, d_optical, d_sar = (self.amp.prepare_model(m) for m in nets.modules())
        self.modules.update({"reverse": wrap(reverse, self.ctx),
                             "d_optical": wrap(d_optical, self.ctx),
                             "d_sar": wrap(d_sar, self.ctx)})
        self.identity = self.cfg.lambda_identity if self.in_ch == spec.out_channels else 0.0
        self.pools = {"optical": ImagePool(self.cfg.pool_size, self.cfg.seed + 1),
                      "sar": ImagePool(self.cfg.pool_size, self.cfg.seed + 2)}
        self.optimizers["generator"] = torch.optim.Adam(
            itertools.chain(self.model.parameters(), reverse.parameters()), lr=self.lr,
            betas=BETAS)
        self.optimizers["discriminator"] = torch.optim.Adam(
            itertools.chain(d_optical.parameters(), d_sar.parameters()), lr=self.lr,
            betas=BETAS)
        decay = self.cfg.decay_epochs
        self.decay = max(1, self.epochs // 2 if decay is None else int(decay))

    def _split(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        sar_c = self.translation_model.spec.sar_channels
        return x[:, :sar_c], (x[:, sar_c:] if self.in_ch > sar_c else None)

    def train_batch(self, batch: dict) -> dict[str, float]:
        sar, dem, target, valid = self.inputs(batch)
        x = self.translation_model.stack_inputs(sar, dem)
        reverse = self.modules["reverse"]
        d_opt_raw, d_sar_raw = unwrap(self.modules["d_optical"]), unwrap(self.modules["d_sar"])
        opt_g, opt_d = self.optimizers["generator"], self.optimizers["discriminator"]
        lam = self.cfg.lambda_cycle
        # Generators (discriminators frozen).
        set_requires_grad(d_opt_raw, False)
        set_requires_grad(d_sar_raw, False)
        opt_g.zero_grad(set_to_none=True)
        with self.amp.autocast():
            fake_y = self.net(sar, dem)
            rec_x = reverse(fake_y)
            fake_x = reverse(target)
            rec_y = self.net(*self._split(fake_x))
            adv_y, adv_x = d_opt_raw(fake_y), d_sar_raw(fake_x)
            idt_y = self.net(*self._split(target)) if self.identity else None
            idt_x = reverse(x) if self.identity else None
        g_adv = gan_loss(adv_y, True, "lsgan") + gan_loss(adv_x, True, "lsgan")
        all_ok = torch.ones_like(valid)
        cycle = masked_l1(rec_x, x, all_ok) + masked_l1(rec_y, target, valid)
        loss = g_adv + lam * cycle
        idt = torch.zeros((), device=loss.device)
        if self.identity:
            idt = masked_l1(idt_y, target, valid) + masked_l1(idt_x, x, all_ok)
            loss = loss + lam * self.identity * idt
        self.amp.backward(loss)
        self.amp.step(opt_g)
        # Discriminators: real -> 1, pooled fakes -> 0, each halved.
        set_requires_grad(d_opt_raw, True)
        set_requires_grad(d_sar_raw, True)
        opt_d.zero_grad(set_to_none=True)
        pooled_y = self.pools["optical"].query(fake_y.detach())
        pooled_x = self.pools["sar"].query(fake_x.detach())
        with self.amp.autocast():
            real_y = self.modules["d_optical"](target)
            fake_y_logits = self.modules["d_optical"](pooled_y)
            real_x = self.modules["d_sar"](x)
            fake_x_logits = self.modules["d_sar"](pooled_x)
        weight = patch_weights(valid, tuple(real_y.shape[-2:]))
        d_y = 0.5 * (gan_loss(real_y, True, "lsgan", weight)
                     + gan_loss(fake_y_logits, False, "lsgan"))
        d_x = 0.5 * (gan_loss(real_x, True, "lsgan") + gan_loss(fake_x_logits, False, "lsgan"))
        self.amp.backward(d_y + d_x)
        self.amp.step(opt_d)
        self.amp.update()
        return {"g_adv": float(g_adv.detach()), "cycle": float(cycle.detach()),
                "identity": float(idt.detach()), "d_optical": float(d_y.detach()),
                "d_sar": float(d_x.detach())}

    def end_epoch(self, epoch: int) -> None:
        """Constant learning rate, then linear decay to 0 over the last ``decay`` epochs."""
        constant = self.epochs - self.decay
        factor = 1.0 - max(0, epoch + 1 - constant) / float(self.decay + 1)
        for opt in self.optimizers.values():
            for group in opt.param_groups:
                group["lr"] = self.lr * max(0.0, factor)

    def state(self) -> tuple[dict[str, torch.Tensor], dict]:
        tensors, meta = super().state()
        for name, pool in self.pools.items():
            tensors.update(pool.state(f"pool.{name}"))
        return tensors, meta

    def load(self, tensors: dict[str, torch.Tensor], meta: dict) -> None:
        super().load(tensors, meta)
        for name, pool in self.pools.items():
            pool.load(f"pool.{name}", tensors, self.ctx.device)
