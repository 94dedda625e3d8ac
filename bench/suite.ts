/**
 * The in-process part of `npm run bench`: attn and the JavaScript peers (tfjs, onnxruntime-node)
 * on the benchmarks named by --only, one after another in this process. bench/run.mjs starts it
 * (once per benchmark, so one benchmark's memory does not weigh on the next), runs PyTorch
 * beside it and prints the tables.
 *
 *   node --import tsx bench/suite.ts --only B1 [--quick] [--threads 1,2] [--out results.json] [--onnx-model gpt.onnx]
 */
import { availableParallelism } from 'node:os';
import { attn, loadAttn } from './lib/attn.js';
import type { BenchContext } from './lib/context.js';
import { Recorder, errorMessage, measureOptions } from './lib/measure.js';
import { b1 } from './b1-gemm.js';
import { b2 } from './b2-attention.js';
import { b3 } from './b3-memory.js';
import { b4 } from './b4-classifier.js';
import { b5 } from './b5-lm-train.js';
import { b6 } from './b6-generate.js';
import { b7 } from './b7-pretrained.js';
import { b8 } from './b8-lora.js';
import { peerVersions } from './peers/load.js';

const BENCHMARKS: Record<string, (ctx: BenchContext) => Promise<void>> = { B1: b1, B2: b2, B3: b3, B4: b4, B5: b5, B6: b6, B7: b7, B8: b8 };

function arg(name: string): string | null {
  const i = process.argv.indexOf(name);
  return i >= 0 ? (process.argv[i + 1] ?? null) : null;
}

async function main(): Promise<void> {
  const only = (arg('--only') ?? Object.keys(BENCHMARKS).join(',')).split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
  const quick = process.argv.includes('--quick');
  const threads = (arg('--threads') ?? `1,${Math.min(2, availableParallelism())}`)
    .split(',')
    .map(Number)
    .filter((n, i, all) => n >= 1 && all.indexOf(n) === i);
  const rec = new Recorder(arg('--out'));
  const info = await loadAttn();
  rec.meta = { attnBackends: info.backends, attnThreadApi: info.threadApi, attnNotes: info.notes, peers: peerVersions(), threads };
  for (const n of info.notes) console.log(`  attn: ${n}`);
  console.log(`  attn backends: ${info.backends.join(', ')}${info.backends.includes('wasm') && !info.threadApi ? ' (no setNumThreads found: wasm runs on its default threads)' : ''}`);
  const ctx: BenchContext = { quick, opts: measureOptions(quick), rec, threads, onnxModel: arg('--onnx-model') ?? undefined };
  for (const id of only) {
    const run = BENCHMARKS[id];
    if (!run) {
      console.error(`suite: unknown benchmark '${id}' (known: ${Object.keys(BENCHMARKS).join(', ')})`);
      process.exitCode = 2;
      continue;
    }
    try {
      await run(ctx);
    } catch (e) {
      // A benchmark's own bug must not lose the rows already measured.
      rec.note(id, `aborted: ${errorMessage(e)}`);
    }
    rec.save();
  }
  rec.save();
  attn.setBackend('ref');
}

await main();
// Thread-pool workers and tfjs keep handles open; the results are saved, so leave now.
process.exit(process.exitCode ?? 0);
