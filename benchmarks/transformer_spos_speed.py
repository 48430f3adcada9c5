#!/usr/bin/python3
"""Transformer SPOS step speed in PyTorch (Python), the twin of transformer_spos_speed.cc.

The same weight-entangled vision-transformer supernet as Sculpt's supernet/transformer_*.cc
(AutoFormer/HAT style): parameters at the skeleton's largest sizes, and each sampled path runs
on their leading slices. Patch embedding as a linear map of the flattened patches with the conv
weight, learned position embedding (and class token for pooling "cls"), pre-norm layers
x + proj(MHA(LN(x))) and x + fc2(GELU(fc1(LN(x)))) with the fused Q/K/V rows head-major, the
LayerNorms on the leading d entries of their affine weights, identity sublayers skipped, final
LayerNorm, mean pooling (or the class token) and a linear classifier. The step is SposTrainer's:
grads set to None, forward of one sampled path, cross entropy, loss.item(), backward, the
correct predictions counted, gradient norm clipped, torch.optim.AdamW step (its defaults, as a
user would write it). The matrix products are PyTorch's (F.linear, @), which send float GEMMs to
the system BLAS; Sculpt's transformer ops call oneDNN's sgemm instead (supernet/transformer/transformer_ops.h):
with Debian's default netlib reference BLAS that is most of the difference, so
docs/BENCHMARKS.md also reports this twin with OpenBLAS (LD_LIBRARY_PATH).

transformer_spos_speed_bench writes into a folder the skeleton (skeleton.json), the SPOS
settings (settings.json), the sampled paths (paths.txt, one architecture's choices per line),
its supernet's initial weights and the batch (manifest.txt naming each tensor's shape, data.bin
its float32 values in that order; the labels stored as floats): so both sides start from the same
weights and train the same paths on the same batch, and their losses can be compared step by
step. Run with Debian's python3-torch (/usr/bin/python3).

usage: transformer_spos_speed.py FOLDER THREADS STEPS
prints: steps_per_second, then one line with the loss of every step (the warm-up step first)
"""
import json
import math
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

LN_EPS = 1e-5


class PatchEmbedding(nn.Module):
    def __init__(self, channels, size, patch, embed, class_token):
        super().__init__()
        self.patch_size = patch
        tokens = (size // patch) ** 2 + (1 if class_token else 0)
        self.patch = nn.Conv2d(channels, embed, patch, stride=patch)
        self.position = nn.Parameter(torch.zeros(1, tokens, embed))
        self.class_token = nn.Parameter(torch.zeros(1, 1, embed)) if class_token else None

    def forward(self, images, d):
        n, c, s, _ = images.shape
        p = self.patch_size
        g = s // p
        # The stride-p conv as one matrix product over the flattened patches.
        patches = images.reshape(n, c, g, p, g, p).permute(0, 2, 4, 1, 3, 5).reshape(n, g * g, -1)
        x = F.linear(patches, self.patch.weight[:d].view(d, -1), self.patch.bias[:d])
        if self.class_token is not None:
            x = torch.cat([self.class_token[..., :d].expand(n, 1, d), x], dim=1)
        return x + self.position[..., :d]


def layer_norm(x, norm):
    d = x.shape[-1]
    return F.layer_norm(x, (d,), norm.weight[:d], norm.bias[:d], LN_EPS)


class Attention(nn.Module):
    def __init__(self, embed, heads, head_dim):
        super().__init__()
        self.head_dim = head_dim
        self.norm = nn.LayerNorm(embed, eps=LN_EPS)
        self.qkv = nn.Linear(embed, 3 * heads * head_dim)  # rows head-major: [head][q, k, v][hd]
        self.proj = nn.Linear(heads * head_dim, embed)

    def forward(self, x, heads):
        n, t, d = x.shape
        hd = self.head_dim
        width = heads * hd
        qkv = F.linear(layer_norm(x, self.norm), self.qkv.weight[:3 * width, :d],
                       self.qkv.bias[:3 * width])
        q, k, v = qkv.view(n, t, heads, 3, hd).permute(3, 0, 2, 1, 4).unbind(0)
        attn = (q * hd ** -0.5) @ k.transpose(-2, -1)
        out = (attn.softmax(dim=-1) @ v).transpose(1, 2).reshape(n, t, width)
        return x + F.linear(out, self.proj.weight[:d, :width], self.proj.bias[:d])


class Ffn(nn.Module):
    def __init__(self, embed, hidden):
        super().__init__()
        self.norm = nn.LayerNorm(embed, eps=LN_EPS)
        self.fc1 = nn.Linear(embed, hidden)
        self.fc2 = nn.Linear(hidden, embed)

    def forward(self, x, hidden):
        d = x.shape[-1]
        h = F.gelu(F.linear(layer_norm(x, self.norm), self.fc1.weight[:hidden, :d],
                            self.fc1.bias[:hidden]))
        return x + F.linear(h, self.fc2.weight[:d, :hidden], self.fc2.bias[:d])


class Layer(nn.Module):
    def __init__(self, embed, heads, ffn, head_dim):
        super().__init__()
        self.attn = Attention(embed, heads, head_dim) if heads > 0 else None
        self.ffn = Ffn(embed, ffn) if ffn > 0 else None

    def forward(self, x, heads, ffn):
        if heads > 0:
            x = self.attn(x, heads)
        if ffn > 0:
            x = self.ffn(x, ffn)
        return x


class Head(nn.Module):
    def __init__(self, embed, classes, class_token):
        super().__init__()
        self.class_token = class_token
        self.norm = nn.LayerNorm(embed, eps=LN_EPS)
        self.classifier = nn.Linear(embed, classes)

    def forward(self, x):
        d = x.shape[-1]
        pooled = layer_norm(x[:, 0], self.norm) if self.class_token else layer_norm(x, self.norm).mean(1)
        return F.linear(pooled, self.classifier.weight[:, :d], self.classifier.bias)


class TransformerSupernet(nn.Module):
    def __init__(self, s):
        super().__init__()
        self.s = s
        cls = s["pooling"] == "cls"
        embed, heads, ffn = s["embed_dims"][-1], s["heads"][-1], s["ffn_dims"][-1]
        self.embedding = PatchEmbedding(s["input_channels"], s["input_size"], s["patch_size"],
                                        embed, cls)
        self.layers = nn.ModuleList(Layer(embed, heads, ffn, s["head_dim"])
                                    for _ in range(s["layers"]))
        self.head = Head(embed, s["classes"], cls)

    def forward(self, images, arch):
        # arch: the choice indices, as Sculpt's Architecture of the transformer space.
        x = self.embedding(images, self.s["embed_dims"][arch[0]])
        for l, layer in enumerate(self.layers):
            x = layer(x, self.s["heads"][arch[1 + 2 * l]], self.s["ffn_dims"][arch[2 + 2 * l]])
        return self.head(x)


def sculpt_name(name):
    # Python's "layers.3.attn.qkv.weight" is Sculpt's "layer3.attn.qkv.weight".
    if name.startswith("layers."):
        _, index, rest = name.split(".", 2)
        return f"layer{index}.{rest}"
    return name


def read_tensors(folder):
    with open(os.path.join(folder, "data.bin"), "rb") as f:
        values = torch.frombuffer(bytearray(f.read()), dtype=torch.float32)
    tensors, offset = {}, 0
    with open(os.path.join(folder, "manifest.txt")) as f:
        for line in f:
            name, *shape = line.split()
            shape = [int(v) for v in shape]
            count = math.prod(shape)
            tensors[name] = values[offset:offset + count].view(shape)
            offset += count
    return tensors


def main():
    folder, threads, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(threads)
    with open(os.path.join(folder, "skeleton.json")) as f:
        skeleton = json.load(f)
    with open(os.path.join(folder, "settings.json")) as f:
        settings = json.load(f)
    with open(os.path.join(folder, "paths.txt")) as f:
        paths = [[int(v) for v in line.split()] for line in f if line.strip()]
    tensors = read_tensors(folder)

    model = TransformerSupernet(skeleton)
    with torch.no_grad():
        for name, param in model.named_parameters():
            param.copy_(tensors[sculpt_name(name)])
    images = tensors["images"].clone()
    labels = tensors["labels"].long()
    if settings["optimizer"] != "adamw":
        sys.exit(f"transformer_spos_speed.py: the twin trains with AdamW only, not {settings['optimizer']}")
    optimizer = torch.optim.AdamW(model.parameters(), lr=settings["learning_rate"],
                                  weight_decay=settings["weight_decay"])
    clip = settings["grad_clip"]
    model.train()
    losses = []

    def step(arch):
        optimizer.zero_grad(set_to_none=True)
        logits = model(images, arch)
        loss = F.cross_entropy(logits, labels)
        losses.append(loss.item())
        loss.backward()
        (logits.argmax(1) == labels).sum().item()  # SposTrainer counts the correct ones
        if clip > 0:  # SposTrainer's grad_clip 0: no clipping
            nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()

    step(paths[0])  # warm-up, as the C++ side does
    start = time.perf_counter()
    for arch in paths[1:steps + 1]:
        step(arch)
    print(f"{steps / (time.perf_counter() - start):.4f}")
    print(" ".join(f"{v:.8f}" for v in losses))


if __name__ == "__main__":
    main()
