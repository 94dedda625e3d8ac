// The safetensors format (https://github.com/huggingface/safetensors), on raw arrays.
//
//   [u64 little-endian N] [N bytes of UTF-8 JSON header] [data buffer]
//
// The header maps each tensor name to {dtype, shape, data_offsets: [begin, end]} (offsets relative
// to the start of the data buffer) plus an optional "__metadata__": {string: string}. We write
// what PyTorch's `safetensors.torch.save_file` writes for float32/int32, and read what it writes
// for the dtypes a PyTorch state_dict holds, converting to float32 or int32 (attn's two dtypes).
//
// Reading is defensive: a file is untrusted input. Every check happens on the header before a
// single tensor byte is touched, so a malformed file fails with a SafetensorsError naming the file
// and the tensor, and nothing ever reads outside the buffer.
//
// Notes and traps:
// - This file is the codec, on bytes only (no file system): the file functions are in
//   safetensors-file.ts, which reads and writes through the platform seam.
// - Never view file bytes as Float32Array directly: the data buffer need not be 4-byte aligned
//   (the header length is arbitrary in files from other writers, and Node Buffers from the pool
//   have odd byteOffsets), and the host might be big-endian. We copy into fresh aligned buffers
//   and byte-swap if the host is big-endian.
// - Don't round-trip float bits through a JS number (DataView.getFloat32): that may canonicalize
//   NaN payloads. F32 is copied as bytes, F16/BF16 are converted bit-wise into a Uint32Array view.
//
// The codec is in three files: safetensors-format.ts (dtypes, entries, SafetensorsError),
// safetensors-encode.ts (writing) and safetensors-decode.ts (reading); this module is their entry.

export { DTYPE_BYTES, DTYPE_READS_AS, MAX_HEADER_BYTES, SafetensorsError, fail, dataView } from './safetensors-format.js';
export type { SafetensorsDtype, RawTensor, RawHalfTensor, SafetensorsEntry, SafetensorsHeader } from './safetensors-format.js';
export { encodeSafetensors } from './safetensors-encode.js';
export { parseHeader, parseSafetensorsHeader, decodeSafetensors, decodeSafetensorsTensor, halfToFloatBits } from './safetensors-decode.js';
