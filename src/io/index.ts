/** `io`: safetensors files (raw arrays and tensors). */
export {
  encodeSafetensors, decodeSafetensors, saveSafetensorsFile, loadSafetensorsFile, parseSafetensorsHeader, readSafetensorsFileHeader, SafetensorsError,
} from './safetensors.js';
export type { RawTensor, SafetensorsDtype, SafetensorsEntry, SafetensorsHeader } from './safetensors.js';
export { saveSafetensors, loadSafetensors, tensorsToRaw, rawToTensors } from './tensors.js';
