// Batch-1 latency of a model.onnx in ONNX Runtime for Node.js, for benchmarks/onnx_export.cc.
// Usage: NODE_PATH=build/onnxruntime-node/node_modules \
//          node benchmarks/onnx_latency.cjs MODEL.onnx C H W RUNS THREADS
// Prints the median milliseconds of RUNS session.run calls (after 20 warm-up calls) on one
// random image, with THREADS intra-op threads. The time includes the Node binding's call.
const ort = require("onnxruntime-node");

async function main([model, c, h, w, runs, threads]) {
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: Number(threads),
    interOpNumThreads: 1,
    executionMode: "sequential",
  });
  const size = Number(c) * Number(h) * Number(w);
  const data = Float32Array.from({ length: size }, () => Math.random() * 2 - 1);
  const feeds = { images: new ort.Tensor("float32", data, [1, Number(c), Number(h), Number(w)]) };
  for (let i = 0; i < 20; ++i) await session.run(feeds);
  const times = [];
  for (let i = 0; i < Number(runs); ++i) {
    const start = process.hrtime.bigint();
    await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  console.log(times[Math.floor(times.length / 2)].toFixed(4));
}

main(process.argv.slice(2)).catch((error) => {
  console.error(error.message);
  process.exit(1);
});
