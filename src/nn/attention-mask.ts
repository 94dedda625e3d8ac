/**
 * Turns PyTorch-style attention masks (bool true = NOT allowed, or additive float) into the mask
 * `F.scaledDotProductAttention` takes (bool true = MAY attend, or additive float), broadcastable
 * to (B, H, Tq, Tk). Shared by MultiheadAttention and AttentionPooling.
 */
import type { Tensor } from '../tensor/tensor.js';
import { full } from '../ops/creation.js';
import { where, logicalOr } from '../ops/binary.js';
import { reshape } from '../ops/shape.js';

export interface MaskParts {
  /** (Tq, Tk) or (B·H, Tq, Tk) ((H, Tq, Tk) when unbatched): true = not allowed, or additive. */
  attnMask: Tensor | null;
  /** (B, Tk) ((Tk) when unbatched): true = padding, or additive. */
  keyPaddingMask: Tensor | null;
  batch: number;
  heads: number;
  tq: number;
  tk: number;
  unbatched: boolean;
}

function fail(layer: string, what: string, m: Tensor, expected: string): never {
  throw new Error(`${layer}: ${what} must be ${expected}, got [${m.shape.join(', ')}] ${m.dtype}`);
}

/** null when there is no mask at all. */
export function buildAttentionMask(layer: string, parts: MaskParts): Tensor | null {
  const { attnMask, keyPaddingMask, batch: B, heads: H, tq, tk } = parts;
  const pieces: Tensor[] = []; // each (…, Tq|1, Tk) with 4 dims: bool "blocked" or float additive
  if (attnMask) {
    attnMask.assertAlive(layer);
    if (attnMask.rank === 2 && attnMask.shape[0] === tq && attnMask.shape[1] === tk) pieces.push(reshape(attnMask, [1, 1, tq, tk]));
    else if (attnMask.rank === 3 && attnMask.shape[0] === B * H && attnMask.shape[1] === tq && attnMask.shape[2] === tk) pieces.push(reshape(attnMask, [B, H, tq, tk]));
    else fail(layer, 'attnMask', attnMask, `(${tq}, ${tk}) or (${B * H}, ${tq}, ${tk})`);
  }
  if (keyPaddingMask) {
    keyPaddingMask.assertAlive(layer);
    const want = parts.unbatched ? [tk] : [B, tk];
    if (keyPaddingMask.rank !== want.length || keyPaddingMask.shape.some((d, i) => d !== want[i])) {
      fail(layer, 'keyPaddingMask', keyPaddingMask, `(${want.join(', ')}), true = padding`);
    }
    pieces.push(reshape(keyPaddingMask, [B, 1, 1, tk]));
  }
  if (pieces.length === 0) return null;
  // int32 0/1 masks are read as bool (nonzero = blocked).
  const normalized = pieces.map((m) => (m.dtype === 'float32' ? m : m.dtype === 'bool' ? m : m.ne(0)));
  if (normalized.every((m) => m.dtype === 'bool')) {
    const blocked = normalized.length === 1 ? normalized[0]! : normalized.reduce((a, b) => logicalOr(a, b));
    return blocked.logicalNot(); // true = may attend
  }
  const minusInf = full([], -Infinity);
  return normalized.map((m) => (m.dtype === 'bool' ? where(m, minusInf, 0) : m)).reduce((a, b) => a.add(b)); // additive
}
