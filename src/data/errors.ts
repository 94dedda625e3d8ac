/**
 * The one error type of `src/data/`.
 *
 * Every refusal (a path that does not exist, a CSV row without a label, a class folder with no
 * usable file, …) is a `DataError` whose message names the file, line or class and says what was
 * expected, so the CLI can print `error.message` as is and the user knows what to fix.
 *
 * @example
 * try {
 *   loadTextDataset('reviews.csv');
 * } catch (e) {
 *   if (e instanceof DataError) console.error(e.message); // "reviews.csv:7: no 'label' field …"
 *   else throw e;
 * }
 */
export class DataError extends Error {
  /**
   * `problem` is the message without the remedy; `remedy` (when the fix is an option) names the
   * option as the library does (`textField`), so the CLI can word it as its flag (`--text-field`):
   * the message itself reads "<problem>; <action> with the textField option".
   */
  constructor(readonly problem: string, readonly remedy?: { option: string; action: string }) {
    super(remedy ? `${problem}; ${remedy.action} with the ${remedy.option} option` : problem);
    this.name = 'DataError';
  }
}
