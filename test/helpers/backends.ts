/**
 * Runs one test body on every registered backend ('ref' today; 'wasm' when it is registered), and
 * restores the backend that was active before.
 */
import { getBackend, listBackends, setBackend } from '../../src/index.js';

export function forEachBackend(body: (backend: string) => void): void {
  const previous = getBackend();
  try {
    for (const name of listBackends()) {
      setBackend(name);
      body(name);
    }
  } finally {
    setBackend(previous);
  }
}

/** `forEachBackend` for an async body: one backend after another, the previous one restored. */
export async function forEachBackendAsync(body: (backend: string) => Promise<void>): Promise<void> {
  const previous = getBackend();
  try {
    for (const name of listBackends()) {
      setBackend(name);
      await body(name);
    }
  } finally {
    setBackend(previous);
  }
}
