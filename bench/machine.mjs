// The machine a benchmark ran on: CPU model, SIMD flags, clock, cores, and a "machine kind" key
// that docs/benchmarks.md groups runs by (figures from an AVX-512 machine and from an AVX2 one
// differ by a third for the same code, so they never share a table).
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** The first processor's fields of /proc/cpuinfo (Linux; {} elsewhere). */
function cpuinfo() {
  try {
    const text = readFileSync('/proc/cpuinfo', 'utf8');
    const first = text.split(/\n\s*\n/)[0] ?? '';
    const fields = {};
    for (const line of first.split('\n')) {
      const i = line.indexOf(':');
      if (i > 0) fields[line.slice(0, i).trim()] = line.slice(i + 1).trim();
    }
    return fields;
  } catch {
    return {};
  }
}

/** SIMD levels that matter for our kernels (and PyTorch's), from the CPU flags, widest first. */
export function simdLevel(flags) {
  if (flags.includes('avx512f')) return 'AVX-512';
  if (flags.includes('avx2')) return 'AVX2';
  if (flags.includes('avx')) return 'AVX';
  if (flags.includes('sse4_2')) return 'SSE4.2';
  return flags.length ? 'SSE2' : 'unknown';
}

/**
 * { cpu, cores, mhz, simd, flags, ramGiB, node, os, kind }. `flags` keeps the SIMD-relevant ones
 * (avx, avx2, fma, avx512*); `mhz` is the current clock of the first core as /proc/cpuinfo gives
 * it (virtual machines report the nominal one); `kind` is "cpu · simd · N cores".
 */
export function machineInfo() {
  const info = cpuinfo();
  const cpus = os.cpus();
  const allFlags = (info.flags ?? info.Features ?? '').split(/\s+/).filter(Boolean);
  const flags = allFlags.filter((f) => /^(avx|avx2|fma|f16c|avx512\w*|amx\w*|avx_vnni)$/.test(f));
  const cpu = (info['model name'] ?? cpus[0]?.model ?? 'unknown').trim();
  const mhz = Number(info['cpu MHz'] ?? cpus[0]?.speed ?? NaN);
  const simd = simdLevel(allFlags);
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length;
  return {
    cpu,
    cores,
    mhz: Number.isFinite(mhz) ? Math.round(mhz) : null,
    simd,
    flags,
    ramGiB: os.totalmem() / 2 ** 30,
    node: process.version,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    kind: machineKind({ cpu, simd, cores }),
  };
}

/** "AMD EPYC · AVX2 · 2 cores": the key of a machine's section in docs/benchmarks.md. */
export function machineKind(m) {
  return `${m.cpu} · ${m.simd ?? 'unknown SIMD'} · ${m.cores} cores`;
}
