/**
 * What the stand-alone profiling scripts (profile-threads.ts, b5-gemm-shapes.ts) share: reading a
 * `--name value` flag, and deterministic uniform inputs kept alive across timed repetitions.
 */
import * as attn from '../../src/index.js';

/** The value after `name` on the command line, or null. */
export function arg(name: string): string | null {
  const i = process.argv.indexOf(name);
  return i >= 0 ? (process.argv[i + 1] ?? null) : null;
}

/** A kept float32 tensor of `shape`, uniform in [-0.5, 0.5) from a linear congruential sequence seeded by `seed`. */
export function randomTensor(shape: number[], seed: number): attn.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return attn.keep(attn.fromArray(out, shape));
}
