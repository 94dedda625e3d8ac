/** The engine kernels a function runs, by name, in order (for tests that count kernel calls). */
import { ENGINE } from '../../src/engine/engine.js';

export function kernelsRun(fn: () => void): string[] {
  const names: string[] = [];
  const original = ENGINE.runKernel;
  ENGINE.runKernel = function (this: typeof ENGINE, ...args: Parameters<typeof original>) {
    names.push(args[0]);
    return original.apply(this, args);
  } as typeof original;
  try {
    fn();
  } finally {
    ENGINE.runKernel = original;
  }
  return names;
}
