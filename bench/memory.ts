/**
 * B5's memory rows alone (no timing, no peers): one AdamW step of the GPT-2-small shape at batch
 * 4 × 512 with gradient checkpointing and without, and B8's LoRA step (rank 8, batch 4 × 256),
 * each with its peak arena bytes. Slow (a GPT-2-small step is tens of seconds) but not timed.
 *
 *   node --import tsx bench/memory.ts [--quick] [--threads 2] [--out results.json] [--cases full-checkpointed,full,lora,lora-checkpointed]
 */
import { availableParallelism } from 'node:os';
import { loadAttn, hasWasm } from './lib/attn.js';
import { Recorder, measureOptions } from './lib/measure.js';
import { loadLm } from './lib/gpt.js';
import { memoryCases, MEMORY_CASES, type MemoryCase } from './b5-lm-train.js';

function arg(name: string): string | null {
  const i = process.argv.indexOf(name);
  return i >= 0 ? (process.argv[i + 1] ?? null) : null;
}

const quick = process.argv.includes('--quick');
const threads = [Number(arg('--threads') ?? Math.min(2, availableParallelism()))];
const rec = new Recorder(arg('--out'));
await loadAttn();
const cases = (arg('--cases')?.split(',') ?? [...MEMORY_CASES]) as MemoryCase[];
const unknown = cases.filter((c) => !MEMORY_CASES.includes(c));
if (unknown.length > 0) throw new Error(`bench/memory.ts: unknown case(s) ${unknown.join(', ')} (known: ${MEMORY_CASES.join(', ')})`);
await memoryCases({ quick, opts: measureOptions(quick), rec, threads }, await loadLm(), hasWasm(), cases);
rec.save();
