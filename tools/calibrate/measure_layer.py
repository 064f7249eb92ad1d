#!/usr/bin/env python3
"""Time whole transformer layers, forward and forward+backward, on one GPU.

Validation data for colossim's compute model at the level of a layer: each layer is
built from plain PyTorch ops as Megatron-LM runs them on one tensor-parallel rank
(per-GPU shapes of a TP-sharded layer, no communication, no sequence parallelism):
norm -> QKV linear -> rotary -> FlashAttention (causal) -> output linear -> residual
-> norm -> fc1 -> activation -> fc2 -> residual. Eager mode, bf16, random weights.
Times are CUDA-event medians over --reps iterations after warm-up, each iteration a
forward (and a backward of sum(out * grad)) on fresh activations.

Writes layers.csv into --out:  layer, tokens, fwd_ms, fwd_bwd_ms, ...

Usage:  python3 tools/calibrate/measure_layer.py --out DIR
"""

import argparse
import csv
import statistics
import sys

import torch
import torch.nn.functional as F

BF16 = torch.bfloat16

# name: (hidden, q heads per GPU, kv heads per GPU, head_dim, ffn per GPU, gated, norm, seq)
# Per-GPU shapes of tensor-parallel layers (TP size in the name), micro-batch 1.
LAYERS = {
    "llama3-405b-tp8": (16384, 16, 1, 128, 6656, True, "rms", 8192),
    "llama3-70b-tp8": (8192, 8, 1, 128, 3584, True, "rms", 8192),
    "llama3-8b-tp1": (4096, 32, 8, 128, 14336, True, "rms", 8192),
    "llama3-8b-tp2": (4096, 16, 4, 128, 7168, True, "rms", 4096),
    "gpt3-175b-tp8": (12288, 12, 12, 128, 6144, False, "layer", 2048),
    "gpt3-175b-tp8-mb4": (12288, 12, 12, 128, 6144, False, "layer", 8192),
}


def rotary(x, cos, sin):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2 :]
    return torch.cat((x1 * cos - x2 * sin, x2 * cos + x1 * sin), dim=-1)


class Layer(torch.nn.Module):
    def __init__(self, h, qh, kvh, d, f, gated, norm):
        super().__init__()
        self.qh, self.kvh, self.d, self.gated = qh, kvh, d, gated
        mk = (lambda: torch.nn.RMSNorm(h, dtype=BF16)) if norm == "rms" else (lambda: torch.nn.LayerNorm(h, dtype=BF16))
        self.norm1, self.norm2 = mk(), mk()
        bias = norm == "layer"  # GPT has biases, Llama none
        self.qkv = torch.nn.Linear(h, (qh + 2 * kvh) * d, bias=bias, dtype=BF16)
        self.proj = torch.nn.Linear(qh * d, h, bias=bias, dtype=BF16)
        self.fc1 = torch.nn.Linear(h, f * (2 if gated else 1), bias=bias, dtype=BF16)
        self.fc2 = torch.nn.Linear(f, h, bias=bias, dtype=BF16)

    def forward(self, x, cos, sin):
        s = x.shape[0]
        y = self.qkv(self.norm1(x))
        q, k, v = y.split([self.qh * self.d, self.kvh * self.d, self.kvh * self.d], dim=-1)
        q = rotary(q.view(s, self.qh, self.d), cos, sin).transpose(0, 1).unsqueeze(0)
        k = rotary(k.view(s, self.kvh, self.d), cos, sin).transpose(0, 1).unsqueeze(0)
        v = v.view(s, self.kvh, self.d).transpose(0, 1).unsqueeze(0)
        with torch.nn.attention.sdpa_kernel(torch.nn.attention.SDPBackend.FLASH_ATTENTION):
            o = F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=self.kvh != self.qh)
        x = x + self.proj(o.squeeze(0).transpose(0, 1).reshape(s, self.qh * self.d))
        z = self.fc1(self.norm2(x))
        if self.gated:
            gate, up = z.chunk(2, dim=-1)
            z = F.silu(gate) * up
        else:
            z = F.gelu(z, approximate="tanh")
        return x + self.fc2(z)


def time_layer(name, spec, reps, warmup):
    h, qh, kvh, d, f, gated, norm, seq = spec
    layer = Layer(h, qh, kvh, d, f, gated, norm).cuda()
    pos = torch.arange(seq, device="cuda", dtype=torch.float32)
    inv = 1.0 / (10000 ** (torch.arange(0, d // 2, device="cuda", dtype=torch.float32) / (d // 2)))
    ang = torch.outer(pos, inv)
    cos, sin = ang.cos().to(BF16)[:, None, :], ang.sin().to(BF16)[:, None, :]
    xs = [torch.randn(seq, h, device="cuda", dtype=BF16, requires_grad=True) for _ in range(2)]
    g = torch.randn(seq, h, device="cuda", dtype=BF16)
    fwd, both = [], []
    for i in range(warmup + reps):
        x = xs[i % 2]
        a, b, c = (torch.cuda.Event(enable_timing=True) for _ in range(3))
        a.record()
        out = layer(x, cos, sin)
        b.record()
        out.backward(g)
        c.record()
        torch.cuda.synchronize()
        x.grad = None
        for p in layer.parameters():
            p.grad = None
        if i >= warmup:
            fwd.append(a.elapsed_time(b))
            both.append(a.elapsed_time(c))
    return statistics.median(fwd), statistics.median(both)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=5)
    args = ap.parse_args()
    torch.manual_seed(0)
    path = f"{args.out}/layers.csv"
    with open(path, "w", newline="") as fh:
        fh.write("# one transformer layer, per-GPU shapes, eager PyTorch bf16, FlashAttention causal; CUDA-event medians\n")
        fh.write(f"# device: {torch.cuda.get_device_name()}, torch {torch.__version__}\n")
        w = csv.writer(fh)
        w.writerow(["layer", "hidden", "q_heads", "kv_heads", "head_dim", "ffn", "gated", "norm", "tokens", "fwd_ms", "fwd_bwd_ms"])
        for name, spec in LAYERS.items():
            try:
                fwd, both = time_layer(name, spec, args.reps, args.warmup)
            except Exception as e:  # report and go on
                print(f"{name}: failed: {e}", flush=True)
                continue
            print(f"{name}: fwd {fwd:.3f} ms, fwd+bwd {both:.3f} ms", flush=True)
            w.writerow([name, *spec[:5], int(spec[5]), spec[6], spec[7], f"{fwd:.4f}", f"{both:.4f}"])
            fh.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
