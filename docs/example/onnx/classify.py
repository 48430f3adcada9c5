"""Classifies images with a network Sculpt exported as ONNX, in ONNX Runtime for Python
(pip install onnxruntime numpy). Usage:
    python3 classify.py EXPORT_DIR IMAGES_IDX[.gz] [COUNT]
EXPORT_DIR holds model.onnx and architecture.json (whose "input" says how pixels are
normalised); IMAGES_IDX is an IDX file of 8-bit images (Fashion-MNIST's format). Prints one JSON
line per image: its index, the predicted class and the logits."""
import gzip, json, os, sys

import numpy as np
import onnxruntime as ort

folder, images_path = sys.argv[1], sys.argv[2]
with open(os.path.join(folder, "architecture.json")) as f:
    norm = json.load(f)["input"]
with (gzip.open if images_path.endswith(".gz") else open)(images_path, "rb") as f:
    idx = f.read()
images, rows, cols = (int.from_bytes(idx[o:o + 4], "big") for o in (4, 8, 12))
count = min(images, int(sys.argv[3]) if len(sys.argv) > 3 else images)

# x = (pixel * pixel_scale - mean) / std, as the network was trained (one channel).
pixels = np.frombuffer(idx, np.uint8, count * rows * cols, 16).reshape(count, 1, rows, cols)
x = ((pixels * norm["pixel_scale"] - norm["mean"][0]) / norm["std"][0]).astype(np.float32)

session = ort.InferenceSession(os.path.join(folder, "model.onnx"))
logits = session.run(None, {"images": x})[0]
for i, row in enumerate(logits):
    print(json.dumps({"image": i, "class": int(row.argmax()), "logits": row.tolist()}))
