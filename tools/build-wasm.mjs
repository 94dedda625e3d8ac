#!/usr/bin/env node
// Builds the AssemblyScript kernels (assembly/index.ts) into two modules:
//   build/kernels.wasm          SIMD128 + threads (every engine that runs attn has these)
//   build/kernels-relaxed.wasm  the same source with relaxed SIMD (f32x4.relaxed_madd), picked by
//                               the loader when the engine validates relaxed-SIMD code
//   build/kernels-unshared.wasm SIMD128 on a non-shared memory (single thread; for pages without
//                               cross-origin isolation, where SharedArrayBuffer is unavailable)
// The module imports its memory as env.memory (shared, max 4 GiB) and reserves the bottom 16 MiB.
// Usage: node tools/build-wasm.mjs [--debug | --names]
//   --debug  unoptimized with debug info; --names  optimized but keeps function names (profiling)
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const debug = process.argv.includes('--debug');
const asc = (await import('assemblyscript/asc')).default;

mkdirSync(join(root, 'build'), { recursive: true });

const common = [
  join(root, 'assembly/index.ts'),
  ...(debug ? ['--debug'] : process.argv.includes('--names') ? ['--debug', '-O3'] : ['-O3']),
  '--noAssert',
  '--enable', 'simd',
  '--enable', 'threads',
  '--runtime', 'stub',
  '--importMemory',
  '--initialMemory', '256', // 16 MiB: the reserved region; the engine's memory is larger
  '--maximumMemory', '65536',
  '--memoryBase', '0',
  '--use', 'abort=',
  '--noExportMemory',
  '--disableWarning', '112', // v128 in internal helpers' signatures (never exported)
];

const targets = [
  { out: 'build/kernels.wasm', extra: ['--sharedMemory'] },
  { out: 'build/kernels-relaxed.wasm', extra: ['--sharedMemory', '--enable', 'relaxed-simd'] },
  { out: 'build/kernels-unshared.wasm', extra: [] },
];

for (const t of targets) {
  const { error, stderr } = await asc.main([...common, ...t.extra, '--outFile', join(root, t.out)], {});
  if (error) {
    console.error(stderr.toString());
    console.error(`build-wasm: ${t.out} failed: ${error.message}`);
    process.exit(1);
  }
  const msgs = stderr.toString().trim();
  if (msgs) console.error(msgs);
  console.log(`build-wasm: ${t.out} (${statSync(join(root, t.out)).size} bytes)`);
}
