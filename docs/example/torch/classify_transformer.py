"""Classifies images with a transformer Sculpt exported (model.pt), in plain PyTorch, without
Sculpt: the forward pass written out from docs/EXPORT.md ("model.pt outside C++"). Debian's
python3-torch runs it (/usr/bin/python3). Usage:
    python3 classify_transformer.py EXPORT_DIR IMAGES_IDX[.gz] [COUNT]
EXPORT_DIR holds model.pt and architecture.json (its "skeleton" gives the head dimension and the
pooling, its "input" how pixels are normalised); IMAGES_IDX is an IDX file of 8-bit images
(Fashion-MNIST's format). Prints one JSON line per image: its index, the predicted class and the
logits. Pruned exports work too: every size is read off the weights' shapes."""
import gzip, json, math, os, sys

import torch
import torch.nn.functional as F

folder, images_path = sys.argv[1], sys.argv[2]
with open(os.path.join(folder, "architecture.json")) as f:
    document = json.load(f)
if document.get("family", document.get("space")) not in ("transformer", "prune"):
    sys.exit("this example runs transformers; use model.onnx for other networks (docs/EXPORT.md)")
skeleton, norm = document["skeleton"], document["input"]

# model.pt is a LibTorch archive of parameters and buffers without code: TorchScript loads it as
# a module with no forward, from which the tensors are read by their paths.
archive = torch.jit.load(os.path.join(folder, "model.pt"), map_location="cpu")
weights = dict(archive.named_parameters())
weights.update(dict(archive.named_buffers()))

with (gzip.open if images_path.endswith(".gz") else open)(images_path, "rb") as f:
    idx = f.read()
images, rows, cols = (int.from_bytes(idx[o:o + 4], "big") for o in (4, 8, 12))
count = min(images, int(sys.argv[3]) if len(sys.argv) > 3 else images)
pixels = torch.frombuffer(bytearray(idx[16:16 + count * rows * cols]), dtype=torch.uint8)
# x = (pixel * pixel_scale - mean) / std, as the network was trained (one channel).
x = (pixels.view(count, 1, rows, cols).float() * norm["pixel_scale"] - norm["mean"][0]) / norm["std"][0]

EPS = 1e-5  # every LayerNorm's
head_dim = skeleton["head_dim"]


def layer_norm(t, prefix):
    return F.layer_norm(t, t.shape[-1:], weights[prefix + ".weight"], weights[prefix + ".bias"], EPS)


def linear(t, prefix):
    return F.linear(t, weights[prefix + ".weight"], weights[prefix + ".bias"])


def attention(t, prefix):
    n, tokens, _ = t.shape
    qkv = linear(layer_norm(t, prefix + ".norm"), prefix + ".qkv")
    heads = qkv.shape[-1] // (3 * head_dim)
    # The fused rows are grouped by head, then q, k, v within a head: [heads, 3, head_dim].
    q, k, v = qkv.view(n, tokens, heads, 3, head_dim).permute(3, 0, 2, 1, 4)
    mixed = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(head_dim), dim=-1) @ v
    return t + linear(mixed.transpose(1, 2).reshape(n, tokens, heads * head_dim), prefix + ".proj")


def ffn(t, prefix):
    hidden = F.gelu(linear(layer_norm(t, prefix + ".norm"), prefix + ".fc1"))  # exact GELU (erf)
    return t + linear(hidden, prefix + ".fc2")


with torch.no_grad():
    # Patch embedding: a p x p stride-p convolution; tokens in row-major order of the patches.
    tokens = F.conv2d(x, weights["embedding.patch.weight"], weights["embedding.patch.bias"],
                      stride=skeleton["patch_size"]).flatten(2).transpose(1, 2)
    if "embedding.class_token" in weights:  # "pooling": "cls": the class token goes first
        tokens = torch.cat([weights["embedding.class_token"].expand(count, -1, -1), tokens], 1)
    tokens = tokens + weights["embedding.position"]
    for layer in range(skeleton["layers"]):  # a layer without a sublayer has no weights for it
        if f"layer{layer}.attn.qkv.weight" in weights:
            tokens = attention(tokens, f"layer{layer}.attn")
        if f"layer{layer}.ffn.fc1.weight" in weights:
            tokens = ffn(tokens, f"layer{layer}.ffn")
    pooled = tokens[:, 0] if "embedding.class_token" in weights else tokens
    pooled = layer_norm(pooled, "head.norm")
    if "embedding.class_token" not in weights:
        pooled = pooled.mean(1)
    logits = linear(pooled, "head.classifier")

for i, row in enumerate(logits):
    print(json.dumps({"image": i, "class": int(row.argmax()), "logits": row.tolist()}))
