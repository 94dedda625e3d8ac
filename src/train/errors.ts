/**
 * Errors about an option's value. Library code names the option as the library does
 * (`pretrainEpochs`); the CLI words it as its flag (`--pretrain-epochs`) with `formatOptionError`.
 *
 * ```ts
 * throw new OptionError('pretrainEpochs', 'the bow model has no token encoder to pretrain', { option: 'model', values: ['transformer', 'bilstm-attention'] });
 * ```
 */
export interface OptionHint {
  /** The option to change, e.g. 'model'. */
  option: string;
  /** Values that would work. */
  values: readonly string[];
}

export class OptionError extends Error {
  override name = 'OptionError';
  constructor(readonly option: string, readonly problem: string, readonly hint: OptionHint | null = null) {
    super(formatOptionError({ option, problem, hint }, (name) => name, (values) => values.map((v) => `'${v}'`).join(' or ')));
  }
}

/**
 * The message of an option error with options named by `name` (e.g. as CLI flags) and values by
 * `values`: "<option>: <problem>; use <hint option> <values>".
 */
export function formatOptionError(
  e: Pick<OptionError, 'option' | 'problem' | 'hint'>,
  name: (option: string) => string,
  values: (values: readonly string[]) => string = (v) => v.join(' or '),
): string {
  return `${name(e.option)}: ${e.problem}${e.hint ? `; use ${name(e.hint.option)} ${values(e.hint.values)}` : ''}`;
}
