"""The lib/lm GPT (same shapes, pre-norm, tied embeddings, GELU tanh, AdamW, clip 1.0) in PyTorch on the CPU.

Usage: python3 bench/lm_torch_reference.py BATCH.json  (written by bench/lm_bench.ts --torch)
Prints the median training-step time over the same batches (one thread), and the sampling throughput of the same
loop as lib/lm/sample.ts forwardBatch (every row starts at token 0; each step runs the whole prefix, keeps the last
position's logits, draws from the softmax; no key/value cache), on every core as onnxruntime does.
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

    def forward(self, x, mask):
        b, t, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
        heads = lambda z: z.view(b, t, self.nh, d // self.nh).transpose(1, 2)
        s = heads(q) @ heads(k).transpose(-1, -2) / math.sqrt(d // self.nh) + mask[:t, :t]
        a = (s.softmax(-1) @ heads(v)).transpose(1, 2).reshape(b, t, d)
        x = x + self.o(a)
        return x + self.proj(F.gelu(self.fc(self.ln2(x)), approximate="tanh"))


class Gpt(nn.Module):
    def __init__(self, c):
        super().__init__()
        v, t, d = c["vocabSize"], c["contextLength"], c["dModel"]
        self.wte, self.wpe = nn.Embedding(v, d), nn.Embedding(t, d)
        self.blocks = nn.ModuleList([Block(d, c["nHeads"]) for _ in range(c["nLayers"])])
        self.ln_f = nn.LayerNorm(d)
        self.register_buffer("mask", torch.triu(torch.full((t, t), -1e9), 1))

    def forward(self, ids, last_only=False):
        x = self.wte(ids) + self.wpe(torch.arange(ids.shape[1]))
        for blk in self.blocks:
            x = blk(x, self.mask)
        if last_only:
            x = x[:, -1:]
        return self.ln_f(x) @ self.wte.weight.T


def main():
    spec = json.load(open(sys.argv[1]))
    torch.set_num_threads(1)  # tfjs wasm runs on one thread too
    model = Gpt(spec["config"])
    opt = torch.optim.AdamW(model.parameters(), lr=5e-3, betas=(0.9, 0.95), weight_decay=0.01)
    seqs = spec["batch"]
    length = max(len(s) for s in seqs) - 1
    inputs = torch.zeros(len(seqs), length, dtype=torch.long)
    targets = torch.zeros(len(seqs), length, dtype=torch.long)
    mask = torch.zeros(len(seqs), length)
    for r, s in enumerate(seqs):
        n = len(s) - 1
        inputs[r, :n] = torch.tensor(s[:-1])
        targets[r, :n] = torch.tensor(s[1:])
        mask[r, :n] = 1
    times = []
    for i in range(spec["steps"] + 1):
        t = time.perf_counter()
        logits = model(inputs)
        loss = (F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), reduction="none")
                * mask.reshape(-1)).sum() / mask.sum()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if i > 0:
            times.append((time.perf_counter() - t) * 1000)
    times.sort()
    print(f"PyTorch {torch.__version__} CPU train step: median {times[len(times) // 2]:.2f} ms over {len(times)} steps")

    sampling = spec.get("sampling")
    if sampling:
        torch.set_num_threads(len(os.sched_getaffinity(0)))
        torch.manual_seed(1)
        rows, new_tokens = sampling["rows"], sampling["newTokens"]
        with torch.no_grad():
            t = time.perf_counter()
            ids = torch.zeros(rows, 1, dtype=torch.long)
            active = torch.arange(rows)
            for _ in range(new_tokens):
                probs = model(ids[active], last_only=True)[:, -1].softmax(-1)
                token = torch.multinomial(probs, 1)
                column = torch.zeros(rows, 1, dtype=torch.long)
                column[active] = token
                ids = torch.cat([ids, column], 1)
                active = active[token[:, 0] != 0]
                if len(active) == 0:
                    break
            seconds = time.perf_counter() - t
        print(f"PyTorch sampling ({torch.get_num_threads()} threads): {rows} rows x {new_tokens} new tokens in "
              f"{seconds:.2f} s = {rows * new_tokens / seconds:.0f} tokens/s")


main()
