/**
 * Conversions between float32 and the two half-precision storage dtypes, bit for bit as PyTorch:
 *
 * - bfloat16 is the top 16 bits of a float32. Widening is a shift (exact). Narrowing rounds to
 *   nearest, ties to even, as c10's `round_to_nearest_even`; every NaN becomes 0x7FC0 (PyTorch
 *   drops the sign and payload of a NaN), an overflow rounds to ±inf.
 * - float16 is IEEE binary16 (5 exponent bits, 10 mantissa bits, max 65504). Widening is exact
 *   (subnormal halves renormalized). Narrowing rounds to nearest even with gradual underflow to
 *   subnormals (smallest 2^-24), values from 65520 up overflow to ±inf, and a NaN becomes the
 *   quiet NaN 0x7E00 with its sign, as the FP16 library PyTorch uses.
 *
 * So `cast(cast(w, 'bfloat16'), 'float32')` equals PyTorch's `w.bfloat16().float()`.
 *
 * ```ts
 * floatToBfloat16Bits(1.00390625); // 0x3f80: halfway between 1 and the next bfloat16, ties to even
 * halfBitsToFloat(0x7bff, 'float16'); // 65504
 * ```
 */
import type { HalfDType } from './dtype.js';

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** float32 → bfloat16 bits, round to nearest even. `floatToBfloat16Bits(1) === 0x3f80` */
export function floatToBfloat16Bits(value: number): number {
  F32[0] = value;
  return bitsToBfloat16(U32[0]!);
}

/** float32 → float16 bits, round to nearest even. `floatToFloat16Bits(1) === 0x3c00` */
export function floatToFloat16Bits(value: number): number {
  F32[0] = value;
  return bitsToFloat16(U32[0]!);
}

/** The float32 value of half bits of `dtype`. `halfBitsToFloat(0x3f80, 'bfloat16') === 1` */
export function halfBitsToFloat(bits: number, dtype: HalfDType): number {
  U32[0] = dtype === 'bfloat16' ? (bits & 0xffff) << 16 : float16BitsToFloatBits(bits);
  return F32[0]!;
}

/** float32 bits → bfloat16 bits. */
function bitsToBfloat16(x: number): number {
  if ((x & 0x7fffffff) > 0x7f800000) return 0x7fc0; // NaN
  // Adding 0x7fff plus the lowest kept bit rounds to nearest, ties to even; a carry may reach the
  // exponent (correct: the next binade) or make the largest finite values ±inf (correct too).
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

/** float32 bits → float16 bits. */
function bitsToFloat16(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return mant !== 0 ? sign | 0x7e00 : sign | 0x7c00; // NaN (quiet), ±inf
  const he = exp - 112; // float16 biased exponent: rebias 127 → 15
  if (he >= 0x1f) return sign | 0x7c00; // beyond 65520: overflow
  if (he <= 0) {
    // Subnormal half (or zero): the value in units of 2^-24 is (1.mant) · 2^(he + 9), rounded.
    if (he < -10) return sign; // below 2^-25: rounds to ±0 (2^-25 itself ties to the even 0)
    const m = mant | 0x800000;
    const shift = 14 - he; // 14 … 24
    let q = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (q & 1) === 1)) q++; // may carry into the smallest normal: still right
    return sign | q;
  }
  let q = (he << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (q & 1) === 1)) q++; // a carry into the exponent is the next binade
  return q >= 0x7c00 ? sign | 0x7c00 : sign | q;
}

/**
 * IEEE binary16 bits → binary32 bits, exactly (every half is a float). Subnormal halves (exponent
 * 0) are renormalized; inf/NaN keep sign and payload.
 *
 * ```ts
 * float16BitsToFloatBits(0x0001); // 0x33800000 (2^-24, the smallest subnormal half)
 * ```
 */
export function float16BitsToFloatBits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >> 10) & 0x1f;
  let mant = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (mant << 13)) >>> 0;
  if (exp !== 0) return (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0;
  if (mant === 0) return sign >>> 0;
  let e = 113;
  while ((mant & 0x400) === 0) {
    mant <<= 1;
    e--;
  }
  return (sign | (e << 23) | ((mant & 0x3ff) << 13)) >>> 0;
}

/** Narrows `src` into half bits of `dtype` (into `out` when given). */
export function floatsToHalf(src: Float32Array, dtype: HalfDType, out: Uint16Array<ArrayBufferLike> = new Uint16Array(src.length)): Uint16Array<ArrayBufferLike> {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  const convert = dtype === 'bfloat16' ? bitsToBfloat16 : bitsToFloat16;
  for (let i = 0; i < bits.length; i++) out[i] = convert(bits[i]!);
  return out;
}

let F16_TABLE: Uint32Array | undefined;

/** Widens half bits of `dtype` to float32 (into `out` when given). Exact. */
export function halfToFloats(src: Uint16Array<ArrayBufferLike>, dtype: HalfDType, out: Float32Array<ArrayBufferLike> = new Float32Array(src.length)): Float32Array<ArrayBufferLike> {
  const bits = new Uint32Array(out.buffer, out.byteOffset, src.length);
  if (dtype === 'bfloat16') {
    for (let i = 0; i < src.length; i++) bits[i] = src[i]! << 16;
  } else {
    if (F16_TABLE === undefined) {
      F16_TABLE = new Uint32Array(65536);
      for (let h = 0; h < 65536; h++) F16_TABLE[h] = float16BitsToFloatBits(h);
    }
    for (let i = 0; i < src.length; i++) bits[i] = F16_TABLE[src[i]!]!;
  }
  return out;
}

/** Half bits of `from` re-rounded to `to` (through float32, which holds both exactly). */
export function convertHalf(src: Uint16Array<ArrayBufferLike>, from: HalfDType, to: HalfDType): Uint16Array<ArrayBufferLike> {
  if (from === to) return src;
  return floatsToHalf(halfToFloats(src, from), to);
}
