/**
 * Ctrl-C (SIGINT) and SIGTERM during training, through the platform: both ask the run to save a
 * checkpoint and stop after the current step, so `kill` and a container stop keep the work as
 * Ctrl-C does.
 *
 * ```ts
 * const listener = onStopSignal(() => trainer.requestStop());
 * try { … } finally { listener.dispose(); }
 * ```
 */
import { onStopSignal as subscribe } from '../platform/index.js';

export function onStopSignal(handler: () => void): { dispose(): void } {
  const unsubscribe = subscribe(() => handler());
  return { dispose: unsubscribe };
}
