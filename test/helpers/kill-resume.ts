// Training interrupted by SIGKILL at seeded random moments, resumed each time until it finishes:
// the harness of the interruption tests (test/cli/kill-resume.test.ts, test-slow/kill-resume.test.ts).
// After every kill, every file left in the run folder is checked whole (each .json parses, each
// .safetensors decodes, each token file decodes, each log line parses); temp files of an
// interrupted atomic write (`isTempName`) may be there and are set aside.
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawn } from 'node:child_process';
import { isTempName } from '../../src/io/atomic-write.js';
import { decodeSafetensors } from '../../src/io/safetensors.js';
import { decodeTokenFile } from '../../src/data/token-file.js';

/** How one kill was chosen: after a random delay, or at the n-th temp file of a checkpoint or model write seen. */
export type KillMode = { kind: 'delay'; ms: number } | { kind: 'temp'; nth: number };

export interface KillRecord {
  mode: KillMode;
  /** Whether the kill landed (the run may finish first). */
  killed: boolean;
  /** Temp files in the folder right after the kill (relative paths). */
  tempFiles: string[];
  /** Files checked whole after the kill. */
  checked: number;
  /** What the next run was: a resume, a fresh start (killed before its first checkpoint), or none (the run had finished). */
  next: 'resume' | 'restart' | 'done';
  /** Where the run was when killed: before writing anything, in masked-LM pretraining (pretrain/ unfinished), or in the training proper. */
  phase: 'setup' | 'pretrain' | 'train';
}

export interface KillResumeOptions {
  /** `attn train` arguments, without `--out`/`--resume`. */
  args: string[];
  outDir: string;
  /** At most this many kills; then the run goes on to the end. */
  kills: number;
  seed: number;
  /** Typical length of a whole run in ms (spawn to exit): random delays are drawn between 20% and 100% of it. */
  typicalRunMs: number;
  /** No single run may take longer (ms). */
  runTimeoutMs: number;
}

/** Runs `attn <args>` as a child process; resolves when it exits (status, signal, output). */
export function spawnAttn(args: string[]): { exited: Promise<{ status: number | null; signal: NodeJS.Signals | null; stderr: string }>; kill: () => void } {
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), resolve('src/cli/main.ts'), ...args], { env: { ...process.env, NO_COLOR: '1' } });
  let stderr = '';
  child.stdout.resume();
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const exited = new Promise<{ status: number | null; signal: NodeJS.Signals | null; stderr: string }>((done) => child.on('close', (status, signal) => done({ status, signal, stderr })));
  return { exited, kill: () => child.kill('SIGKILL') };
}

/** Runs `attn train args --out outDir` to the end, uninterrupted; returns its wall time in ms. */
export async function trainUninterrupted(args: string[], outDir: string, timeoutMs: number): Promise<number> {
  const start = Date.now();
  const run = spawnAttn(['train', ...args, '--out', outDir]);
  const timer = setTimeout(run.kill, timeoutMs);
  const { status, stderr } = await run.exited;
  clearTimeout(timer);
  if (status !== 0) throw new Error(`uninterrupted attn train exited ${status}: ${stderr}`);
  return Date.now() - start;
}

/** Every file below `dir`, as paths relative to it. */
export function listFiles(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path, { throwIfNoEntry: false })?.isDirectory() ? listFiles(path, `${prefix}${name}/`) : [`${prefix}${name}`];
  });
}

/**
 * Checks that no file of the run folder is half-written; returns the temp files (set aside) and
 * how many files it checked. Throws naming the file that does not parse.
 */
export function checkRunFolderWhole(dir: string): { tempFiles: string[]; checked: number } {
  const tempFiles: string[] = [];
  let checked = 0;
  for (const rel of listFiles(dir)) {
    const name = rel.slice(rel.lastIndexOf('/') + 1);
    if (isTempName(name)) {
      tempFiles.push(rel);
      continue;
    }
    const bytes = new Uint8Array(readFileSync(join(dir, rel)));
    const where = join(dir, rel);
    try {
      if (name.endsWith('.json')) JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
      else if (name.endsWith('.safetensors')) decodeSafetensors(bytes, where);
      else if (name.endsWith('.bin')) decodeTokenFile(bytes, where);
      else if (name.endsWith('.jsonl')) {
        const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
        if (text.length > 0 && !text.endsWith('\n')) throw new Error('last line has no newline (half-written)');
        for (const line of text.split('\n').filter((l) => l !== '')) JSON.parse(line);
      } else throw new Error('a file the run folder should not hold');
    } catch (err) {
      throw new Error(`half-written or unexpected file after a kill: ${where}: ${(err as Error).message}`);
    }
    checked++;
  }
  return { tempFiles, checked };
}

/** A seeded generator of numbers in [0, 1) (an LCG; enough to spread the kills). */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

/**
 * Trains with `attn train`, killing it with SIGKILL up to `kills` times at seeded random moments
 * (alternately at the n-th temp file seen, i.e. during an atomic write, and after a random delay), and
 * after each kill checks the folder and continues: `attn train --resume outDir` when a
 * checkpoint exists, else a fresh start in an emptied folder (nothing could be resumed). Returns
 * the record of each kill; the run folder then holds the finished run.
 */
export async function trainWithKills(options: KillResumeOptions): Promise<KillRecord[]> {
  const random = seededRandom(options.seed);
  const records: KillRecord[] = [];
  let args = ['train', ...options.args, '--out', options.outDir];
  for (let attempt = 0; ; attempt++) {
    const killing = records.length < options.kills;
    // Kills alternate: at the n-th temp file seen (an atomic write under way), then after a random delay.
    const mode: KillMode = records.length % 2 === 0
      ? { kind: 'temp', nth: 1 + Math.floor(random() * 4) }
      : { kind: 'delay', ms: Math.round((0.2 + 0.8 * random()) * options.typicalRunMs) };
    const run = spawnAttn(args);
    let killed = false;
    let finished = false;
    const kill = () => {
      if (!finished && !killed) {
        killed = true;
        run.kill();
      }
    };
    const timeout = setTimeout(() => {
      if (!finished) run.kill();
    }, options.runTimeoutMs);
    if (killing) {
      if (mode.kind === 'delay') setTimeout(kill, mode.ms);
      else {
        // Only temp files this run makes count: what a killed run left is there from the start (and is removed by the resume).
        const before = new Set(listFilesQuiet(options.outDir));
        void watchTemp(options.outDir, mode.nth, () => finished || killed, before).then((seen) => seen && kill());
      }
    }
    const result = await run.exited;
    finished = true;
    clearTimeout(timeout);
    if (!killed) {
      if (result.status !== 0) throw new Error(`attn ${args.join(' ')} exited ${result.status} (${result.signal ?? 'no signal'}): ${result.stderr}`);
      if (killing) records.push({ mode, killed: false, tempFiles: [], checked: 0, next: 'done', phase: 'train' });
      return records;
    }
    const { tempFiles, checked } = checkRunFolderWhole(options.outDir);
    const phase = !existsSync(options.outDir) || checked === 0 ? 'setup'
      : existsSync(join(options.outDir, 'pretrain')) && !existsSync(join(options.outDir, 'pretrain', 'metrics.json')) ? 'pretrain' : 'train';
    // Killed after it wrote its report (metrics.json, the last file) but before it exited: finished.
    const metricsPath = join(options.outDir, 'metrics.json');
    const report = existsSync(metricsPath) ? (JSON.parse(readFileSync(metricsPath, 'utf8')) as { interrupted?: boolean; diverged?: boolean }) : null;
    if (report && report.interrupted === false && report.diverged !== true) {
      records.push({ mode, killed: true, tempFiles, checked, next: 'done', phase });
      return records;
    }
    // A checkpoint (of the training, or of its pretraining in pretrain/), or a replacement of one cut
    // between its two renames (attn puts it back on resume).
    const hasCheckpoint = (dir: string) => existsSync(join(dir, 'checkpoint', 'training_state.safetensors'))
      || (existsSync(dir) && readdirSync(dir).some((n) => n.startsWith('.checkpoint.tmp-') && existsSync(join(dir, n, 'training_state.safetensors'))));
    const resumable = hasCheckpoint(options.outDir) || hasCheckpoint(join(options.outDir, 'pretrain'));
    records.push({ mode, killed: true, tempFiles, checked, next: resumable ? 'resume' : 'restart', phase });
    if (resumable) {
      args = ['train', '--resume', options.outDir, ...options.args.filter((a) => a === '--no-progress')];
    } else {
      // Killed before the first checkpoint: nothing to resume, the run starts again.
      rmSync(options.outDir, { recursive: true, force: true });
      args = ['train', ...options.args, '--out', options.outDir];
    }
    if (attempt > options.kills * 3 + 3) throw new Error('kill-resume: too many runs');
  }
}

/**
 * Polls `dir` (recursively, every 2 ms) until the `nth` distinct temp file of a checkpoint or
 * model write appears (in checkpoint/, its staging folder, or a .safetensors being written);
 * false if `stop()` first. Files in `ignore` (there before the run started) do not count.
 */
async function watchTemp(dir: string, nth: number, stop: () => boolean, ignore: ReadonlySet<string>): Promise<boolean> {
  const seen = new Set<string>();
  while (!stop()) {
    for (const rel of listFilesQuiet(dir)) {
      if (ignore.has(rel)) continue;
      const name = rel.slice(rel.lastIndexOf('/') + 1);
      if (isTempName(name) && (rel.includes('checkpoint') || name.includes('.safetensors.tmp-'))) seen.add(rel);
    }
    if (seen.size >= nth) return true;
    await new Promise((r) => setTimeout(r, 2));
  }
  return false;
}

function listFilesQuiet(dir: string): string[] {
  try {
    return listFiles(dir);
  } catch {
    return []; // a folder renamed or removed between readdir and stat
  }
}
