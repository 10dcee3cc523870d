"""The lib/lm GPT (same shapes, pre-norm, tied embeddings, GELU tanh, AdamW, clip 1.0) in PyTorch on the CPU.

Usage: python3 bench/lm_torch_reference.py SPEC.json  (written by bench/lm_bench.ts --torch)

Prints, one line each (bench/lm_bench.ts parses them):
- the training step over the spec's batch: best of `repeats` medians over `steps` steps, on 1 thread and on
  every core;
- sampling throughput, the better of 1 thread and every core (onnxruntime runs on every core), two loops, both drawing from the full softmax with
  rows leaving the batch at EOS like lib/lm/sample.ts:
  "no cache": every step runs the whole prefix and keeps the last position (lib/lm's "forward" engine);
  "with cache": Hugging Face's past_key_values loop, one new token per step against the cached keys and values
  of the earlier ones (lib/lm's "cached" engine).
"""
import json
import math
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, d, nh):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv, self.o = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.fc, self.proj = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)
        self.nh = nh

    def forward(self, x, mask, past=None):
        """x [b, t, d] at positions p..p+t-1, p = the cached length; returns x and this layer's (keys, values)."""
        b, t, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
        heads = lambda z: z.view(b, t, self.nh, d // self.nh).transpose(1, 2)
        q, k, v = heads(q), heads(k), heads(v)
        if past is not None:
            k, v = torch.cat([past[0], k], 2), torch.cat([past[1], v], 2)
        p = k.shape[2] - t
        s = q @ k.transpose(-1, -2) / math.sqrt(d // self.nh) + mask[p:p + t, :p + t]
        a = (s.softmax(-1) @ v).transpose(1, 2).reshape(b, t, d)
        x = x + self.o(a)
        return x + self.proj(F.gelu(self.fc(self.ln2(x)), approximate="tanh")), (k, v)


class Gpt(nn.Module):
    def __init__(self, c):
        super().__init__()
        v, t, d = c["vocabSize"], c["contextLength"], c["dModel"]
        self.wte, self.wpe = nn.Embedding(v, d), nn.Embedding(t, d)
        self.blocks = nn.ModuleList([Block(d, c["nHeads"]) for _ in range(c["nLayers"])])
        self.ln_f = nn.LayerNorm(d)
        self.register_buffer("mask", torch.triu(torch.full((t, t), -1e9), 1))
        # GPT-2's initialisation, as lib/lm/weights.ts initWeights: a model at PyTorch's default one draws
        # EOS within a few tokens, and a throughput over such short rows would not compare.
        for name, p in self.named_parameters():
            if p.dim() == 2:
                std = 0.02 / math.sqrt(2 * c["nLayers"]) if name.endswith(("o.weight", "proj.weight")) else 0.02
                nn.init.normal_(p, 0.0, std)
            elif "ln" in name and name.endswith("weight"):
                nn.init.ones_(p)
            else:
                nn.init.zeros_(p)

    def forward(self, ids, last_only=False, past=None):
        """Logits for ids [b, t] after the cached positions of `past` (a (keys, values) per layer, or None)."""
        start = 0 if past is None else past[0][0].shape[2]
        x = self.wte(ids) + self.wpe(torch.arange(start, start + ids.shape[1]))
        present = []
        for i, blk in enumerate(self.blocks):
            x, kv = blk(x, self.mask, None if past is None else past[i])
            present.append(kv)
        if last_only:
            x = x[:, -1:]
        return self.ln_f(x) @ self.wte.weight.T, present


def train_step_ms(model, opt, inputs, targets, mask, steps, repeats):
    medians = []
    for _ in range(repeats):
        times = []
        for i in range(steps + 1):
            t = time.perf_counter()
            logits, _ = model(inputs)
            loss = (F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), reduction="none")
                    * mask.reshape(-1)).sum() / mask.sum()
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            if i > 0:
                times.append((time.perf_counter() - t) * 1000)
        times.sort()
        medians.append(times[len(times) // 2])
    return min(medians)


def sample(model, rows, new_tokens, cache):
    """Generated tokens and seconds for `rows` sequences from BOS."""
    torch.manual_seed(1)
    with torch.no_grad():
        t = time.perf_counter()
        ids = torch.zeros(rows, 1, dtype=torch.long)
        active = torch.arange(rows)
        past = None
        generated = 0
        for _ in range(new_tokens):
            if cache:
                logits, past = model(ids[active, -1:], past=past)
            else:
                logits, _ = model(ids[active], last_only=True)
            token = torch.multinomial(logits[:, -1].softmax(-1), 1)
            generated += len(active)
            column = torch.zeros(rows, 1, dtype=torch.long)
            column[active] = token
            ids = torch.cat([ids, column], 1)
            still = token[:, 0] != 0
            active = active[still]
            if cache:
                past = [(k[still], v[still]) for k, v in past]
            if len(active) == 0:
                break
        return generated, time.perf_counter() - t


def blas_gflops():
    """One thread's float32 matmul speed: shows which BLAS this PyTorch runs on."""
    torch.set_num_threads(1)
    a, b = torch.randn(512, 512), torch.randn(512, 512)
    best = min(_timed(lambda: a @ b) for _ in range(5))
    return 2 * 512 ** 3 / best / 1e9


def _timed(fn):
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main():
    spec = json.load(open(sys.argv[1]))
    cores = len(os.sched_getaffinity(0))
    repeats = spec.get("repeats", 3)
    gflops = blas_gflops()
    print(f"PyTorch matmul 512x512 float32 (1 thread): {gflops:.1f} GFLOP/s"
          + ("  [reference BLAS? install libopenblas0-pthread]" if gflops < 20 else ""), flush=True)
    for config, seqs, label in [(spec["config"], spec["batch"], "default")] + (
            [(spec["large"]["config"], spec["large"]["batch"], "large")] if spec.get("large") else []):
        torch.manual_seed(0)
        model = Gpt(config)
        opt = torch.optim.AdamW(model.parameters(), lr=5e-3, betas=(0.9, 0.95), weight_decay=0.01)
        length = max(len(s) for s in seqs) - 1
        inputs = torch.zeros(len(seqs), length, dtype=torch.long)
        targets = torch.zeros(len(seqs), length, dtype=torch.long)
        mask = torch.zeros(len(seqs), length)
        for r, s in enumerate(seqs):
            n = len(s) - 1
            inputs[r, :n] = torch.tensor(s[:-1])
            targets[r, :n] = torch.tensor(s[1:])
            mask[r, :n] = 1
        steps = spec["steps"] if label == "default" else spec["large"]["steps"]
        for threads in sorted({1, cores}):
            torch.set_num_threads(threads)
            ms = train_step_ms(model, opt, inputs, targets, mask, steps, repeats)
            print(f"PyTorch {torch.__version__} {label} train step ({threads} threads): {ms:.2f} ms")

    sampling = spec.get("sampling")
    if sampling:
        # On every core as onnxruntime, and on one: OpenMP's threads suffer most when others share the
        # cores, so the comparison takes the better of the two.
        torch.manual_seed(0)
        model = Gpt(spec["config"])
        for new_tokens in sampling["newTokens"]:
            for cache in (False, True):
                rates = {}
                for threads in sorted({1, cores}):
                    torch.set_num_threads(threads)
                    sample(model, sampling["rows"], 4, cache)  # warm-up: thread pool, allocator
                    best, generated = 0.0, 0
                    for _ in range(repeats):
                        generated, seconds = sample(model, sampling["rows"], new_tokens, cache)
                        best = max(best, generated / seconds)
                    rates[threads] = best
                label = "with cache" if cache else "no cache"
                each = ", ".join(f"{t} thread{'s' if t > 1 else ''} {r:.0f}" for t, r in rates.items())
                print(f"PyTorch sampling {label} (best of 1, {cores} threads), {sampling['rows']} rows x {new_tokens}"
                      f" new tokens: {max(rates.values()):.0f} tokens/s")
                print(f"  ({each} tokens/s; {generated} tokens drawn)")

main()
