/** `io`: safetensors files (raw arrays and tensors). */
export { encodeSafetensors, decodeSafetensors, decodeSafetensorsTensor, parseSafetensorsHeader, SafetensorsError } from './safetensors.js';
export { saveSafetensorsFile, loadSafetensorsFile, readSafetensorsFileHeader, openSafetensorsFile } from './safetensors-file.js';
export type { SafetensorsReader } from './safetensors-file.js';
export type { RawTensor, SafetensorsDtype, SafetensorsEntry, SafetensorsHeader } from './safetensors.js';
export { saveSafetensors, loadSafetensors, tensorsToRaw, rawToTensors } from './tensors.js';
export { RunFolder, RunFolderError, RUN_FILES, RUN_FOLDERS } from './run-folder.js';
export type { RunFile, ModelFiles, TrainingStateFile } from './run-folder.js';
export { openHfCheckpoint, PretrainedFolderError, SINGLE_WEIGHTS_FILE, WEIGHTS_INDEX_FILE } from './hf-checkpoint.js';
export type { HfCheckpoint, CheckpointTensor } from './hf-checkpoint.js';
