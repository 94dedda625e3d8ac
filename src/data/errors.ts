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
  constructor(message: string) {
    super(message);
    this.name = 'DataError';
  }
}
