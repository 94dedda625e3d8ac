// The kernel ABI is defined once (src/backends/wasm/abi.ts, signatures.ts): these tests check that
// the built modules agree with it, that the kernels' parameter lists in assembly/ are the ones
// JavaScript passes by name, and that the JS descriptor writer puts every field where the
// kernels read it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as ABI from '../../src/backends/wasm/abi.js';
import { checkKernelAbi, kernelAbiMismatches } from '../../src/backends/wasm/abi-check.js';
import { dropoutThreshold, writeAttentionDesc, writeStridedDesc } from '../../src/backends/wasm/kernels.js';
import { loadKernelModuleSync } from '../../src/backends/wasm/load-kernels.js';
import { DIRECT_EXPORTS, SPLIT_KERNELS } from '../../src/backends/wasm/signatures.js';
import { alloc, i32, f32, kernelModule, mark, memory, pool1, release } from './helpers.js';

const assemblyDir = fileURLToPath(new URL('../../assembly/', import.meta.url));

test('every build exports the ABI constants with the values of abi.ts and every kernel with its listed arity', () => {
  for (const options of [{}, { relaxed: !kernelModule.relaxed }, { shared: false }]) {
    const { module } = loadKernelModuleSync(options);
    const shared = options.shared !== false;
    const mem = shared ? memory : new WebAssembly.Memory({ initial: ABI.RESERVED_BYTES / 65536, maximum: 65536 });
    const instance = new WebAssembly.Instance(module, { env: { memory: mem } });
    assert.deepEqual(kernelAbiMismatches(instance.exports), [], JSON.stringify(options));
    assert.ok(Object.keys(ABI).length >= 60);
  }
});

test('a module built from another ABI is refused, naming what differs', () => {
  const exports: Record<string, unknown> = { ...pool1.exports };
  exports.ATTN_TK = new WebAssembly.Global({ value: 'i32', mutable: false }, ABI.ATTN_TK + 1);
  exports.slice_assign = (a: number, b: number) => a + b;
  assert.throws(() => checkKernelAbi(exports), /stale build\/\*\.wasm\? run `npm run build:wasm`\): ATTN_TK is 4 in the module but 3 in abi\.ts; kernel slice_assign takes 2 parameters in the module but signatures\.ts lists 7/);
  delete exports.ATTN_TK;
  assert.match(kernelAbiMismatches(exports).join('\n'), /ATTN_TK is not exported/);
});

/** `export function name(params)` of every file in assembly/, parameter names in order. */
function assemblyFunctions(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const file of readdirSync(assemblyDir).filter((f) => f.endsWith('.ts'))) {
    const src = readFileSync(assemblyDir + file, 'utf8');
    for (const m of src.matchAll(/export function (\w+)\(([^)]*)\)/g)) {
      const params = m[2]!.split(',').map((p) => p.trim()).filter(Boolean).map((p) => p.split(':')[0]!.trim());
      out.set(m[1]!, params);
    }
  }
  return out;
}

test('signatures.ts lists every exported kernel with the parameter names and order of its AssemblyScript source', () => {
  const fns = assemblyFunctions();
  const index = readFileSync(assemblyDir + 'index.ts', 'utf8');
  const exported = [...index.matchAll(/export \{([^}]*)\} from '\.\/\w+'/g)].flatMap((m) => m[1]!.split(',').map((s) => s.trim()).filter(Boolean));
  const listed = new Set([...Object.keys(SPLIT_KERNELS), ...Object.keys(DIRECT_EXPORTS)]);
  assert.deepEqual(exported.filter((n) => !listed.has(n)), [], 'kernels exported by assembly/index.ts but missing from signatures.ts');
  assert.deepEqual([...listed].filter((n) => !exported.includes(n)), [], 'kernels in signatures.ts that assembly/index.ts does not export');
  for (const [name, params] of Object.entries(SPLIT_KERNELS)) {
    assert.deepEqual(fns.get(name), [...params, 'start', 'end'], `${name}: parameters in assembly/ vs signatures.ts`);
  }
  for (const [name, params] of Object.entries(DIRECT_EXPORTS)) assert.deepEqual(fns.get(name), [...params], `${name}: parameters in assembly/ vs signatures.ts`);
  // Every function the module exports is one of them.
  const fnExports = WebAssembly.Module.exports(kernelModule.module).filter((e) => e.kind === 'function').map((e) => e.name).sort();
  assert.deepEqual(fnExports, [...listed].sort());
});

test('the attention descriptor the JS side writes is the one the kernels read, field by field', () => {
  const m0 = mark();
  const out = alloc(ABI.ATTN_DESC_WORDS);
  const p = {
    B: 2, H: 6, Hkv: 3, Tq: 5, Tk: 7, D: 9, Dv: 11, q: 1001, k: 1002, v: 1003, o: 1004, lse: 1005, weights: 1006, mask: 1007,
    maskStrides: [21, 22, 23, 24] as const, qStrides: [31, 32, 33] as const, kStrides: [41, 42, 43] as const, vStrides: [51, 52, 53] as const,
    causal: true, scale: 0.25, dropoutP: 0.3, seed: 12345,
    dO: 2001, dOStrides: [61, 62, 63] as const, dq: 2002, dk: 2003, dv: 2004, TkOut: 13, dRow: 2005,
    oStrides: [71, 72, 73] as const, dqStrides: [81, 82, 83] as const, dkStrides: [91, 92, 93] as const, dvStrides: [101, 102, 103] as const,
  };
  const desc = writeAttentionDesc(pool1, p, p);
  pool1.exports.attn_desc_echo!(desc, out);
  const got = i32(out, ABI.ATTN_DESC_WORDS);
  const words: Record<string, number> = {
    ATTN_B: 2, ATTN_H: 6, ATTN_HKV: 3, ATTN_TQ: 5, ATTN_TK: 7, ATTN_D: 9, ATTN_DV: 11, ATTN_Q: 1001, ATTN_K: 1002, ATTN_V: 1003,
    ATTN_O: 1004, ATTN_LSE: 1005, ATTN_P: 1006, ATTN_MASK: 1007, ATTN_CAUSAL: 1, ATTN_THRESH: dropoutThreshold(0.3),
    ATTN_SEED: Math.imul(12345, 0x9e3779b1), ATTN_DO: 2001, ATTN_DQ: 2002, ATTN_DK: 2003, ATTN_DVG: 2004, ATTN_DROW: 2005, ATTN_TKOUT: 13,
  };
  for (const [name, want] of Object.entries(words)) assert.equal(got[(ABI as Record<string, number>)[name]!], want, name);
  for (const [name, strides] of [['ATTN_QS', p.qStrides], ['ATTN_KS', p.kStrides], ['ATTN_VS', p.vStrides], ['ATTN_MS', p.maskStrides], ['ATTN_DOS', p.dOStrides],
    ['ATTN_OS', p.oStrides], ['ATTN_DQS', p.dqStrides], ['ATTN_DKS', p.dkStrides], ['ATTN_DVS', p.dvStrides]] as const) {
    assert.deepEqual([...got.subarray(ABI[name], ABI[name] + strides.length)], [...strides], name);
  }
  const floats = f32(out, ABI.ATTN_DESC_WORDS);
  assert.equal(floats[ABI.ATTN_SCALE], 0.25);
  assert.equal(floats[ABI.ATTN_KEEPSCALE], Math.fround(1 / 0.7));
  release(m0);
});

test('the strided descriptor has the layout abi.ts gives (rank, shape, one stride row per operand)', () => {
  const desc = writeStridedDesc(pool1, [2, 3, 5], [[0, 5, 1], [15, 1, 3]]);
  const w = i32(desc, ABI.SD_WORDS);
  assert.equal(w[ABI.SD_RANK], 3);
  assert.deepEqual([...w.subarray(ABI.SD_SHAPE, ABI.SD_SHAPE + 3)], [2, 3, 5]);
  assert.deepEqual([...w.subarray(ABI.SD_STRIDES, ABI.SD_STRIDES + 3)], [0, 5, 1]);
  assert.deepEqual([...w.subarray(ABI.SD_STRIDES + ABI.SD_MAX_RANK, ABI.SD_STRIDES + ABI.SD_MAX_RANK + 3)], [15, 1, 3]);
});
