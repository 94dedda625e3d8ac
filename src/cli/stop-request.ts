/**
 * Ctrl-C (SIGINT) and SIGTERM from the very start of `attn train`, not only once the Trainer runs.
 * Without a listener, Node's default ends the process during the setup (reading the data,
 * fitting the tokenizer, writing train-options.json) with no message, and can leave a run folder
 * holding the run's options but no checkpoint. Here the signal aborts `signal`, which the Trainer
 * checks after every step: the run stops after its first step with a checkpoint to resume.
 *
 * ```ts
 * const stop = stopRequest();
 * try { await trainTextClassifier({ …, trainer: { signal: stop.signal } }); } finally { stop.dispose(); }
 * ```
 */
import { onStopSignal } from '../platform/index.js';

export function stopRequest(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const unsubscribe = onStopSignal(() => controller.abort());
  return { signal: controller.signal, dispose: unsubscribe };
}
