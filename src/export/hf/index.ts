/** Export to a Hugging Face transformers folder. */
export { exportHuggingFace, type HfExportReport } from './export.js';
export { hfArchitectureFor, HF_EXPORTS, type HfArchitecture } from './models.js';
export { hfTokenizerFiles, type HfTokenizerFiles } from './tokenizer.js';
