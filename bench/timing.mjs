// Timing for the Node benchmarks (bench/wasm.mjs, bench/held.mjs): medians of repeated batches.
export const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

/** Median ns per call of `fn` over `batches` batches of `per` calls, after one warm-up batch. */
export function time(fn, { batches = 30, per = 200 } = {}) {
  for (let i = 0; i < per; i++) fn(i);
  const samples = [];
  for (let b = 0; b < batches; b++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < per; i++) fn(i);
    samples.push(Number(process.hrtime.bigint() - t0) / per);
  }
  return median(samples);
}
