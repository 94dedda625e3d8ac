/** Errors of `exportHuggingFace` and `exportOnnx`. */

/**
 * A model (or a part of it) that an export format cannot represent, or an unusable source. The
 * message names the format, the model type and what is supported instead.
 *
 * ```ts
 * try { exportHuggingFace(bowModel, 'out'); } catch (e) { if (e instanceof ExportError) console.error(e.message); }
 * ```
 */
export class ExportError extends Error {
  override name = 'ExportError';
  constructor(readonly format: 'hf' | 'onnx', message: string) {
    super(`${format === 'hf' ? 'Hugging Face' : 'ONNX'} export: ${message}`);
  }
}
