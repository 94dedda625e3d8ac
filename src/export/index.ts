/** Exports: a Hugging Face transformers folder (`hf/`) and ONNX (`onnx/`). */
export * from './hf/index.js';
export { ExportError } from './errors.js';
export { resolveExportSource, type ExportSource, type ExportModel, type ResolvedSource } from './source.js';
export * from './onnx/index.js';
