// Classifies images with a network Sculpt exported as ONNX, in ONNX Runtime for Node.js
// (npm install onnxruntime-node). Usage:
//   node classify.cjs EXPORT_DIR IMAGES_IDX[.gz] [COUNT]
// EXPORT_DIR holds model.onnx and architecture.json (whose "input" says how pixels are
// normalised); IMAGES_IDX is an IDX file of 8-bit images (Fashion-MNIST's format). Prints one
// JSON line per image: its index, the predicted class and the logits.
const fs = require("node:fs");
const path = require("node:path");
const zlib = require("node:zlib");
const ort = require("onnxruntime-node");

async function main([dir, imagesPath, countArg]) {
  const input = JSON.parse(fs.readFileSync(path.join(dir, "architecture.json"), "utf8")).input;
  let idx = fs.readFileSync(imagesPath);
  if (imagesPath.endsWith(".gz")) idx = zlib.gunzipSync(idx);
  const [images, rows, cols] = [4, 8, 12].map((offset) => idx.readUInt32BE(offset));
  const count = Math.min(images, Number(countArg ?? images));

  // x = (pixel * pixel_scale - mean) / std, as the network was trained (one channel).
  const data = new Float32Array(count * rows * cols);
  for (let i = 0; i < data.length; ++i) {
    data[i] = (idx[16 + i] * input.pixel_scale - input.mean[0]) / input.std[0];
  }

  const session = await ort.InferenceSession.create(path.join(dir, "model.onnx"));
  const feeds = { images: new ort.Tensor("float32", data, [count, 1, rows, cols]) };
  const logits = (await session.run(feeds))[session.outputNames[0]];
  const classes = logits.dims[1];
  for (let i = 0; i < count; ++i) {
    const row = Array.from(logits.data.slice(i * classes, (i + 1) * classes));
    console.log(JSON.stringify({ image: i, class: row.indexOf(Math.max(...row)), logits: row }));
  }
}

main(process.argv.slice(2)).catch((error) => {
  console.error(error.message);
  process.exit(1);
});
