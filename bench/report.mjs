// Tables and docs/benchmarks.md for `npm run bench` (used by bench/run.mjs).
//
// One table per benchmark: a row per case, a column per implementation and thread count. attn
// cells give the median time; peer cells give the median time and the speed-up
// = peer_time / attn_time against attn at the same thread count (> 1: attn is faster).

const IMPL_ORDER = ['attn wasm', 'attn ref', 'tfjs-wasm', 'tfjs-wasm one-hot', 'tfjs-cpu', 'onnxruntime-node', 'PyTorch'];
const isAttn = (impl) => impl.startsWith('attn');

export const TITLES = {
  B1: 'B1 GEMM (C = A·B, float32)',
  B2: 'B2 attention: batch 4, 8 heads, head dim 64',
  B3: 'B3 long-sequence memory: batch 1, 8 heads, head dim 64, causal, fwd+bwd',
  B4: 'B4 classifier clf-small: vocab 20000, d 128, 4 heads, 2 layers, ffn 512, seq 256, batch 32',
};

export function fmtMs(ms) {
  if (ms >= 1000) return `${Math.round(ms).toLocaleString('en-US')} ms`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

function fmtMetric(m) {
  if (!m) return '';
  if (m.name === 'tokens/s') return `${Math.round(m.value).toLocaleString('en-US')} tok/s`;
  return `${m.value.toFixed(1)} ${m.name}`;
}

const fmtRatio = (r) => (r >= 10 ? `${r.toFixed(0)}×` : `${r.toFixed(2)}×`);

function columnKey(r) {
  return `${r.impl}|${r.threads ?? ''}`;
}
function columnLabel(r) {
  const name = r.impl === 'onnxruntime-node' ? 'onnxruntime' : r.impl;
  return r.threads ? `${name} ×${r.threads}` : name;
}
function columnOrder(a, b) {
  const ia = IMPL_ORDER.indexOf(a.impl);
  const ib = IMPL_ORDER.indexOf(b.impl);
  if (ia !== ib) return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
  return (a.threads ?? 0) - (b.threads ?? 0);
}

/** The attn row a peer row is compared with: same case, same thread count; wasm before ref. */
export function attnFor(records, r) {
  const same = records.filter((x) => x.case === r.case && isAttn(x.impl) && x.na === undefined && x.medianMs !== undefined);
  return same.find((x) => x.impl === 'attn wasm' && x.threads === r.threads) ?? same.find((x) => x.impl === 'attn ref' && x.threads === r.threads) ?? null;
}

class Footnotes {
  constructor() {
    this.list = [];
  }
  mark(text) {
    let i = this.list.indexOf(text);
    if (i < 0) i = this.list.push(text) - 1;
    return `n/a [${i + 1}]`;
  }
  render() {
    return this.list.map((t, i) => `[${i + 1}] ${t}`);
  }
}

function escapeCell(s) {
  return String(s).replace(/\|/g, '\\|');
}

function markdownTable(header, rows) {
  const lines = [`| ${header.map(escapeCell).join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const row of rows) lines.push(`| ${row.map(escapeCell).join(' | ')} |`);
  return lines;
}

/** Markdown lines for one benchmark: table, footnotes, notes. */
export function renderBenchmark(bench, records, notes) {
  const rows = records.filter((r) => r.bench === bench);
  const out = [`### ${TITLES[bench] ?? bench}`, ''];
  if (rows.length === 0) {
    out.push('(no results)', '');
    return out;
  }
  const foot = new Footnotes();
  const cases = [...new Set(rows.map((r) => r.case))];
  if (bench === 'B3') {
    out.push(...renderB3(rows, cases, foot));
  } else {
    const limited = new Set();
    const cols = [];
    for (const r of rows) if (!cols.some((c) => columnKey(c) === columnKey(r))) cols.push(r);
    cols.sort(columnOrder);
    const body = cases.map((c) => [
      c,
      ...cols.map((col) => {
        const r = rows.find((x) => x.case === c && columnKey(x) === columnKey(col));
        if (!r) return '';
        if (r.na !== undefined) return foot.mark(`${columnLabel(r)}: ${r.na}`);
        if (r.limited) limited.add(r.runs);
        const parts = [fmtMs(r.medianMs) + (r.limited ? ` † ${r.runs}` : '')];
        if (r.metric) parts.push(fmtMetric(r.metric));
        let cell = parts.join(' · ');
        if (!isAttn(r.impl)) {
          const ours = attnFor(rows, r);
          if (ours) cell += ` (${fmtRatio(r.medianMs / ours.medianMs)})`;
        }
        return cell;
      }),
    ]);
    out.push(...markdownTable(['case', ...cols.map(columnLabel)], body));
    out.push('', 'Cells: median of the timed runs after warm-up (≥ 5; ≥ 3 with --quick). Peer cells add (speed-up = peer_time / attn_time, attn at the same thread count; > 1 means attn is faster).');
    if (limited.size) out.push('† n: only n timed runs: one run took a large part of the per-case time budget (a warm-up longer than half of it is the single sample).');
  }
  const fn = foot.render();
  if (fn.length) out.push('', ...fn.map((l) => `${l}  `));
  const ns = notes.filter((n) => n.bench === bench).map((n) => n.text);
  if (ns.length) out.push('', ...[...new Set(ns)].map((n) => `- ${n}`));
  out.push('');
  return out;
}

function renderB3(rows, cases, foot) {
  const body = cases.map((c) => {
    const ours = rows.find((r) => r.case === c && isAttn(r.impl));
    const torch = rows.find((r) => r.case === c && r.impl === 'PyTorch');
    const cell = (r) => (r === undefined ? '' : r.na !== undefined ? foot.mark(`${columnLabel(r)}: ${r.na}`) : fmtMs(r.medianMs) + (r.limited ? ` † ${r.runs}` : ''));
    const extra = ours?.extra ?? {};
    const growth = /\((×[^)]*)\)/.exec(ours?.note ?? '')?.[1] ?? '';
    return [
      c,
      ours ? `${columnLabel(ours)}: ${cell(ours)}` : '',
      extra['peak above inputs MiB'] !== undefined ? `${extra['peak above inputs MiB']} MiB` : '',
      growth,
      extra['inputs MiB'] !== undefined ? `${extra['inputs MiB']} MiB` : '',
      extra['seq×seq weights would be'] ?? '',
      torch ? cell(torch) : '',
    ];
  });
  return [
    ...markdownTable(['case', 'attn time (fwd+bwd)', 'attn peak above inputs', 'growth', 'inputs (q, k, v, dy)', 'unfused weights alone', 'PyTorch'], body),
    '',
    'Peak above inputs: `memory().peakBytes` after `resetPeakMemory()`, minus the bytes live before (q, k, v, upstream gradient); it includes the output, the log-sum-exp and the three input gradients. Time: median of the timed runs after the memory run (≥ 5; ≥ 3 with --quick).',
    ...(rows.some((r) => r.limited) ? ['† n: only n timed runs (time budget).'] : []),
  ];
}

// ---- targets --------------------------------------------------------------------------------

const find = (records, bench, caseName, impl, threads) =>
  records.find((r) => r.bench === bench && r.case === caseName && r.impl === impl && (threads === undefined || r.threads === threads) && r.na === undefined);

/**
 * DESIGN.md states no numeric targets; these are derived from it: the probed naive kernel
 * ("Known to work on these machines": 48 GFLOP/s on one thread, 1.9× on two, tfjs-wasm ~40),
 * the fused, flash-style attention (no seq×seq buffer) and "we answer it fast".
 * Each is { id, text, status: 'met' | 'not met' | 'not measured', detail } (run.mjs may mark a
 * thread-scaling result 'inconclusive' when other processes held a core).
 */
export function evaluateTargets(records) {
  const out = [];
  const ran = (bench) => records.some((r) => r.bench === bench);
  const add = (id, text, status, detail) => {
    const bench = /^(B\d)/.exec(text)?.[1];
    // A benchmark left out of this run (--only) says so rather than guessing why.
    if (status === 'not measured' && bench && !ran(bench)) detail = `${bench} not in this run`;
    out.push({ id, text, status, detail });
  };
  const wasm = records.some((r) => r.impl === 'attn wasm' && r.na === undefined);
  const noWasm = 'the attn wasm backend was not measured';

  // T1: GEMM at least the probed naive kernel, and ahead of tfjs-wasm on one thread.
  {
    const c = '512×512×512';
    const a1 = find(records, 'B1', c, 'attn wasm', 1);
    const a2 = find(records, 'B1', c, 'attn wasm', 2);
    if (!a1) add('T1', 'B1 GEMM 512³: attn wasm ×1 ≥ 48 GFLOP/s (the probed naive kernel)', 'not measured', noWasm);
    else add('T1', 'B1 GEMM 512³: attn wasm ×1 ≥ 48 GFLOP/s (the probed naive kernel)', a1.metric.value >= 48 ? 'met' : 'not met', `${a1.metric.value.toFixed(1)} GFLOP/s`);
    if (!a1 || !a2) add('T2', 'B1 GEMM 512³: ×2 threads ≥ 1.7× ×1 (probe: 1.9×)', 'not measured', wasm ? 'no ×2 row' : noWasm);
    else {
      const s = a1.medianMs / a2.medianMs;
      add('T2', 'B1 GEMM 512³: ×2 threads ≥ 1.7× ×1 (probe: 1.9×)', s >= 1.7 ? 'met' : 'not met', `${s.toFixed(2)}×`);
    }
    const shapes = [...new Set(records.filter((r) => r.bench === 'B1').map((r) => r.case))];
    const cmp = shapes.map((sh) => [sh, find(records, 'B1', sh, 'attn wasm', 1), find(records, 'B1', sh, 'tfjs-wasm', 1)]).filter(([, a, t]) => a && t);
    if (cmp.length === 0) add('T3', 'B1 GEMM: attn wasm ×1 faster than tfjs-backend-wasm ×1 on every shape', 'not measured', wasm ? 'tfjs-wasm missing' : noWasm);
    else {
      const ok = cmp.every(([, a, t]) => a.medianMs < t.medianMs);
      add('T3', 'B1 GEMM: attn wasm ×1 faster than tfjs-backend-wasm ×1 on every shape', ok ? 'met' : 'not met', cmp.map(([sh, a, t]) => `${sh}: ${fmtRatio(t.medianMs / a.medianMs)}`).join('; '));
    }
  }
  // T4: attention fwd+bwd faster than tfjs-wasm and than PyTorch's unfused formula at the longest sequence.
  {
    const cases = [...new Set(records.filter((r) => r.bench === 'B2' && r.case.endsWith('fwd+bwd')).map((r) => r.case))];
    const vsTf = cases.map((c) => [c, find(records, 'B2', c, 'attn wasm', 1), find(records, 'B2', c, 'tfjs-wasm', 1)]).filter(([, a, t]) => a && t);
    if (vsTf.length === 0) add('T4', 'B2 attention fwd+bwd: attn wasm ×1 faster than tfjs-backend-wasm ×1 in every case', 'not measured', wasm ? 'tfjs-wasm had no fwd+bwd result' : noWasm);
    else {
      const ok = vsTf.every(([, a, t]) => a.medianMs < t.medianMs);
      const ratios = vsTf.map(([, a, t]) => t.medianMs / a.medianMs);
      add('T4', 'B2 attention fwd+bwd: attn wasm ×1 faster than tfjs-backend-wasm ×1 in every case', ok ? 'met' : 'not met', `speed-ups ${fmtRatio(Math.min(...ratios))} … ${fmtRatio(Math.max(...ratios))} over ${vsTf.length} cases`);
    }
    const seqs = cases.map((c) => Number(/seq (\d+)/.exec(c)?.[1] ?? 0));
    const longest = Math.max(0, ...seqs);
    const longCases = cases.filter((c) => c.startsWith(`seq ${longest},`));
    const vsTorch = [];
    for (const c of longCases) {
      for (const n of [1, 2]) {
        const a = find(records, 'B2', c, 'attn wasm', n);
        const t = find(records, 'B2', c, 'PyTorch', n);
        if (a && t) vsTorch.push([c, n, a, t]);
      }
    }
    const text = `B2 attention fwd+bwd at seq ${longest || 'max'}: attn wasm faster than PyTorch 1.13's unfused formula at the same threads`;
    if (vsTorch.length === 0) add('T5', text, 'not measured', wasm ? 'PyTorch not measured' : noWasm);
    else {
      const ok = vsTorch.every(([, , a, t]) => a.medianMs < t.medianMs);
      add('T5', text, ok ? 'met' : 'not met', vsTorch.map(([c, n, a, t]) => `${c.replace(/^seq \d+, /, '').replace(', fwd+bwd', '')} ×${n}: ${fmtRatio(t.medianMs / a.medianMs)}`).join('; '));
    }
  }
  // T6: memory linear in the sequence, far below the seq×seq weights.
  {
    const all = records.filter((r) => r.bench === 'B3' && isAttn(r.impl));
    const rows = all.filter((r) => r.na === undefined && r.extra);
    const text = 'B3: attn peak memory above inputs grows linearly (≤ 2.2× per doubling of seq) and every size runs (16384 in a full run)';
    if (rows.length < 2 || !rows.some((r) => r.impl === 'attn wasm')) add('T6', text, 'not measured', rows.length < 2 ? 'fewer than two B3 sizes ran' : noWasm);
    else {
      const growth = [];
      for (let i = 1; i < rows.length; i++) {
        const s0 = Number(/seq (\d+)/.exec(rows[i - 1].case)[1]);
        const s1 = Number(/seq (\d+)/.exec(rows[i].case)[1]);
        const g = rows[i].extra['peak above inputs MiB'] / rows[i - 1].extra['peak above inputs MiB'];
        growth.push(g / (s1 / s0) * 2);
      }
      const ok = growth.every((g) => g <= 2.2) && rows.length === all.length;
      add('T6', text, ok ? 'met' : 'not met', `${rows.map((r) => `${r.case}: ${r.extra['peak above inputs MiB']} MiB`).join(', ')}`);
    }
  }
  // T7: classifier training faster than tfjs on one thread (tfjs trains it on cpu only).
  {
    const train = records.filter((r) => r.bench === 'B4' && r.case.startsWith('train step'));
    const a = train.find((r) => r.impl === 'attn wasm' && r.threads === 1 && r.na === undefined);
    const peers = train.filter((r) => r.impl.startsWith('tfjs') && r.na === undefined);
    const text = 'B4 clf-small: attn wasm ×1 training step faster than every tfjs backend that can train it';
    if (!a || peers.length === 0) add('T7', text, 'not measured', !a ? (wasm ? 'attn B4 did not run' : noWasm) : 'no tfjs training result');
    else {
      const ok = peers.every((p) => a.medianMs < p.medianMs);
      add('T7', text, ok ? 'met' : 'not met', peers.map((p) => `${p.impl}: ${fmtRatio(p.medianMs / a.medianMs)}`).join('; '));
    }
  }
  return out;
}

export function renderTargets(targets) {
  return markdownTable(
    ['', 'target', 'status', 'measured'],
    targets.map((t) => [t.id, t.text, t.status === 'not met' ? '**not met**' : t.status === 'inconclusive' ? 'inconclusive (busy machine)' : t.status, t.detail]),
  );
}
