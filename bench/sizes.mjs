// Shipped sizes, raw / gzip -9 / brotli 11, of the browser package and the Worker bundle.
import { readFileSync, readdirSync } from 'node:fs';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';

const measure = (files) => {
  const data = Buffer.concat(files.map((f) => readFileSync(f)));
  return {
    raw: data.length,
    gzip: gzipSync(data, { level: 9 }).length,
    brotli: brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
};
const worker = ['worker/build/index.js', 'worker/build/index_bg.wasm', ...readdirSync('worker/build/worker').map((f) => `worker/build/worker/${f}`)];
console.log(JSON.stringify({
  browserWasm: measure(['pkg/web/livechat_access_bg.wasm']),
  browserWasmAndGlue: measure(['pkg/web/livechat_access_bg.wasm', 'pkg/web/livechat_access.js']),
  workerBundle: measure(worker),
}));
