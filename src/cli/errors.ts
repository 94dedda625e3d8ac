/**
 * Wording library errors for the command line: library code names options and folders as data
 * (`OptionError.option`, `RunFolderError.dir`); here they become flags (`--pretrain-epochs`,
 * `--model runs/x`).
 */
import { OptionError, formatOptionError } from '../train/errors.js';
import { RunFolderError } from '../io/run-folder.js';
import { DataError } from '../data/errors.js';
import { wordModelTooLarge } from './weights-dtype-option.js';

/** The flag of a library option: `pretrainEpochs` → `--pretrain-epochs`. */
export function flagOf(option: string): string {
  return `--${option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** One line for an error, with library option names worded as flags. */
export function wordError(err: unknown): string {
  if (err instanceof OptionError) return formatOptionError(err, flagOf);
  if (err instanceof DataError && err.remedy) return `${err.problem}; ${err.remedy.action} with ${flagOf(err.remedy.option)}`;
  const tooLarge = wordModelTooLarge(err);
  if (tooLarge !== null) return tooLarge;
  return err instanceof Error ? err.message : String(err);
}

/** Runs `fn`; a run-folder error it throws is reworded to start with the flag that named the folder (`--model runs/x: …`). */
export function withFolderFlag<T>(flag: string, fn: () => T): T {
  const reword = (err: unknown) => {
    if (!(err instanceof RunFolderError)) return err;
    const remedy = err.remedy ? `; ${err.remedy.action} with ${flagOf(err.remedy.option)}` : '';
    // A problem passed on from a reader that named the folder itself: the folder once, not twice.
    const problem = err.problem.startsWith(`${err.dir}: `) ? err.problem.slice(err.dir.length + 2) : err.problem;
    return new Error(`${flag} ${err.dir}: ${problem}${remedy}`, { cause: err });
  };
  try {
    const result = fn();
    // An async fn's rejection is reworded too.
    return (result instanceof Promise ? result.catch((err: unknown) => Promise.reject(reword(err))) : result) as T;
  } catch (err) {
    throw reword(err);
  }
}
