#!/usr/bin/python3
"""SPOS supernet training speed in PyTorch (Python), the twin of spos_speed.cc.

The same NAS-Bench-201 supernet as Sculpt's supernet/ (stem conv3x3 + BN; stages of N search
cells at C, 2C, 4C joined by ResNet basic blocks; BN + ReLU; global average pooling; linear),
batch-statistics batch norm, the same ops (ReLU-Conv-BN, 3x3 average pooling without padded
cells, identity, zero), the same cell arithmetic (a node with no live input is zero and the ops
after it still run: the natural implementation, as in NAS-Bench-201's code, runs every op of
the sampled path; Sculpt's exact shortcuts and pooling kernel are its own, see
docs/BENCHMARKS.md), SposTrainer's optimizer step (SGD with Nesterov momentum and weight decay,
gradient norm clipped at 5) on the sampled path only (grads set to None, as Sculpt resets them
to undefined), the same batch and the same sequence of sampled paths (read from a file that
spos_speed_bench writes). Run with Debian's python3-torch (/usr/bin/python3).

usage: spos_speed.py PATHS_FILE CHANNELS CELLS BATCH THREADS STEPS
prints: steps_per_second
"""
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

EDGES = [(0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3)]  # spaces/nb201.h order
NONE, SKIP, CONV1, CONV3, POOL = range(5)


def bn(channels):
    return nn.BatchNorm2d(channels, affine=True, track_running_stats=False)


class ReLUConvBN(nn.Module):
    def __init__(self, cin, cout, k, stride=1, padding=0):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, stride=stride, padding=padding, bias=False)
        self.bn = bn(cout)

    def forward(self, x):
        return self.bn(self.conv(F.relu(x)))


class SearchCell(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.ModuleList(ReLUConvBN(c, c, 1) for _ in EDGES)
        self.conv3 = nn.ModuleList(ReLUConvBN(c, c, 3, padding=1) for _ in EDGES)

    def op(self, edge, choice, x):
        if choice == SKIP:
            return x
        if choice == CONV1:
            return self.conv1[edge](x)
        if choice == CONV3:
            return self.conv3[edge](x)
        return F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)

    def forward(self, x, arch):
        nodes = [x, None, None, None]
        for edge, (src, dst) in enumerate(EDGES):
            if arch[edge] == NONE:
                continue
            source = nodes[src] if nodes[src] is not None else torch.zeros_like(x)
            out = self.op(edge, arch[edge], source)
            nodes[dst] = out if nodes[dst] is None else nodes[dst] + out
        return nodes[3] if nodes[3] is not None else torch.zeros_like(x)


class BasicBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv_a = ReLUConvBN(cin, cout, 3, stride=2, padding=1)
        self.conv_b = ReLUConvBN(cout, cout, 3, padding=1)
        self.shortcut = nn.Conv2d(cin, cout, 1, bias=False)

    def forward(self, x):
        return self.conv_b(self.conv_a(x)) + self.shortcut(F.avg_pool2d(x, 2, stride=2))


class Supernet(nn.Module):
    def __init__(self, c, n, classes=10):
        super().__init__()
        self.stem = nn.Conv2d(1, c, 3, padding=1, bias=False)
        self.stem_bn = bn(c)
        self.stages = nn.ModuleList()
        self.reductions = nn.ModuleList()
        for stage in range(3):
            if stage > 0:
                self.reductions.append(BasicBlock(c, 2 * c))
                c *= 2
            self.stages.append(nn.ModuleList(SearchCell(c) for _ in range(n)))
        self.last_bn = bn(c)
        self.classifier = nn.Linear(c, classes)

    def forward(self, x, arch):
        h = self.stem_bn(self.stem(x))
        for stage, cells in enumerate(self.stages):
            if stage > 0:
                h = self.reductions[stage - 1](h)
            for cell in cells:
                h = cell(h, arch)
        h = F.relu(self.last_bn(h)).mean((2, 3))
        return self.classifier(h)


def main():
    paths_file, channels, cells, batch, threads, steps = sys.argv[1:7]
    channels, cells, batch, threads, steps = map(int, (channels, cells, batch, threads, steps))
    torch.set_num_threads(threads)
    with open(paths_file) as f:
        paths = [[int(v) for v in line.split()] for line in f if line.strip()]
    torch.manual_seed(0)
    images = torch.randn(batch, 1, 28, 28)
    labels = torch.randint(0, 10, (batch,))
    model = Supernet(channels, cells)
    # SposTrainer's defaults: Nesterov momentum 0.9, weight decay 5e-4, gradient norm clipped at 5.
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True,
                                weight_decay=5e-4)

    def step(arch):
        optimizer.zero_grad(set_to_none=True)
        F.cross_entropy(model(images, arch), labels).backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        optimizer.step()

    step(paths[0])  # warm-up, as the C++ side does
    start = time.perf_counter()
    for arch in paths[1:steps + 1]:
        step(arch)
    print(f"{steps / (time.perf_counter() - start):.4f}")


if __name__ == "__main__":
    main()
