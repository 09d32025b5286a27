// The reference for our engine's graph models: TF.js itself (tfjs-core + the CPU backend + the
// converter's graph executor), run by node. Usage:
//   node run_graph.mjs MODEL.json INPUT.f32 BATCH OUTDIR NAME[,NAME...]
// INPUT.f32 holds BATCH items of the model's input shape (NHWC float32, little-endian); each named
// output node is written to OUTDIR/NAME.f32 in the same layout.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadGraphModel } from '@tensorflow/tfjs-converter';

const [modelPath, inputPath, batchText, outDir, namesText] = process.argv.slice(2);
const model = JSON.parse(readFileSync(modelPath, 'utf8'));
const weightSpecs = [];
const shards = [];
for (const group of model.weightsManifest) {
  weightSpecs.push(...group.weights);
  for (const path of group.paths) shards.push(readFileSync(join(dirname(modelPath), path)));
}
const weights = Buffer.concat(shards);
await tf.setBackend('cpu');
const graph = await loadGraphModel(tf.io.fromMemory({
  modelTopology: model.modelTopology,
  weightSpecs,
  weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
  format: model.format,
}));
const shape = graph.inputs[0].shape.slice(1);
const batch = Number(batchText);
const raw = readFileSync(inputPath);
const all = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
const itemSize = shape.reduce((a, b) => a * b, 1);
const names = namesText.split(',');
const results = names.map(() => []);
// Graph models converted with a fixed batch of 1 refuse more, so items run one at a time.
for (let item = 0; item < batch; item++) {
  const input = tf.tensor(all.subarray(item * itemSize, (item + 1) * itemSize), [1, ...shape]);
  const outputs = graph.execute(input, names);
  for (const [i, output] of (Array.isArray(outputs) ? outputs : [outputs]).entries()) {
    const values = output.dataSync();
    results[i].push(Buffer.from(values.buffer, values.byteOffset, values.byteLength));
  }
}
for (const [i, name] of names.entries()) writeFileSync(join(outDir, `${name}.f32`), Buffer.concat(results[i]));
