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
