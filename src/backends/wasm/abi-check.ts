/**
 * Checks that a kernel module was built from this source's kernel ABI: every constant of abi.ts,
 * which the module re-exports as a global, has the same value, and every kernel in
 * signatures.ts is exported with that many parameters. A build/*.wasm older than a change to
 * abi.ts or to a kernel's parameters fails here, naming what differs, instead of misreading
 * descriptors.
 */
import * as ABI from './abi.js';
import { DIRECT_EXPORTS, SPLIT_KERNELS } from './signatures.js';

/** What differs between the module's exports and the ABI this code was written against (empty when they agree). */
export function kernelAbiMismatches(exports: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(ABI)) {
    const g = exports[name];
    if (!(g instanceof WebAssembly.Global)) problems.push(`${name} is not exported`);
    else if (g.value !== value) problems.push(`${name} is ${g.value} in the module but ${value} in abi.ts`);
  }
  const check = (table: Record<string, readonly string[]>, extra: number): void => {
    for (const [name, params] of Object.entries(table)) {
      const fn = exports[name];
      if (typeof fn !== 'function') problems.push(`kernel ${name} is not exported`);
      else if (fn.length !== params.length + extra) problems.push(`kernel ${name} takes ${fn.length} parameters in the module but signatures.ts lists ${params.length + extra}`);
    }
  };
  check(SPLIT_KERNELS, 2); // + start, end
  check(DIRECT_EXPORTS, 0);
  return problems;
}

export function checkKernelAbi(exports: Record<string, unknown>): void {
  const problems = kernelAbiMismatches(exports);
  if (problems.length > 0) {
    throw new Error(
      `attn: the wasm kernels do not match the kernel ABI of src/backends/wasm/ (a stale build/*.wasm? run \`npm run build:wasm\`): ` +
        `${problems.slice(0, 4).join('; ')}${problems.length > 4 ? `; and ${problems.length - 4} more` : ''}`,
    );
  }
}
