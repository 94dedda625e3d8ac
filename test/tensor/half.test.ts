// float32 ↔ bfloat16/float16 against PyTorch 1.13 (fixture: tools/make-half-fixtures.py): the
// rounding of tensor/half.ts and of the Cast kernel on every backend must give torch's bits for
// every value, ties, NaNs, infinities and float16's subnormals included; widening back must give
// the float32 bits of torch's `x.bfloat16().float()` / `x.half().float()`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fromArray, tidy, type Tensor } from '../../src/index.js';
import { floatToBfloat16Bits, floatToFloat16Bits, floatsToHalf, halfBitsToFloat, halfToFloats } from '../../src/tensor/half.js';
import { ENGINE } from '../../src/engine/engine.js';
import type { HalfDType } from '../../src/tensor/dtype.js';
import { forEachBackend } from '../helpers/backends.js';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/half/conversions.json', import.meta.url), 'utf8')) as Record<HalfDType | 'float32' | 'bfloat16_float' | 'float16_float', number[]>;
const inputs = new Float32Array(Uint32Array.from(fixture.float32).buffer);
const hex = (n: number, w: number) => `0x${n.toString(16).padStart(w, '0')}`;

const isHalfNaN = (b: number, dtype: HalfDType) => (dtype === 'bfloat16' ? (b & 0x7fff) > 0x7f80 : (b & 0x7fff) > 0x7c00);

/**
 * First element whose bits differ from torch's. One exception: a float32 NaN must give a NaN, not
 * torch's exact bits, because PyTorch's own bfloat16 NaN depends on the code path (c10's scalar
 * round_to_nearest_even gives 0x7FC0, the AVX2 vectorized cast 0xFFFF); attn gives 0x7FC0.
 */
function firstBitMismatch(got: ArrayLike<number>, want: ArrayLike<number>, what: string, dtype: HalfDType = what.includes('bfloat16') ? 'bfloat16' : 'float16'): string | null {
  for (let i = 0; i < want.length; i++) {
    if (Number.isNaN(inputs[i]) && isHalfNaN(got[i]!, dtype) && isHalfNaN(want[i]!, dtype)) continue;
    if (got[i] !== want[i]) return `${what}: input ${hex(fixture.float32[i]!, 8)} (${inputs[i]}) gave ${hex(got[i]!, 4)}, torch ${hex(want[i]!, 4)}`;
  }
  return null;
}

/** The raw 16-bit storage of a half tensor. */
const bitsOf = (t: Tensor): Uint16Array => ENGINE.arena.u16.slice(t.handle.storage.ptr >>> 1, (t.handle.storage.ptr >>> 1) + t.size);

test('float32 → bfloat16/float16 rounds as PyTorch, bit for bit (ties to even, NaN, inf, subnormals)', () => {
  assert.equal(inputs.length, 846);
  for (const dtype of ['bfloat16', 'float16'] as const) {
    assert.equal(firstBitMismatch(floatsToHalf(inputs, dtype), fixture[dtype], `floatsToHalf ${dtype}`), null);
    const one = dtype === 'bfloat16' ? floatToBfloat16Bits : floatToFloat16Bits;
    assert.equal(firstBitMismatch(Array.from(inputs, (v) => one(v)), fixture[dtype], `scalar ${dtype}`), null);
  }
  // Spot checks that say what the fixture covers.
  assert.equal(floatToBfloat16Bits(1 + 2 ** -8), 0x3f80); // halfway: ties to the even 1.0
  assert.equal(floatToBfloat16Bits(1 + 3 * 2 ** -8), 0x3f82); // halfway: ties up to even
  assert.equal(floatToFloat16Bits(65519), 0x7bff); // rounds down to the max, 65504
  assert.equal(floatToFloat16Bits(65520), 0x7c00); // the overflow threshold
  assert.equal(floatToFloat16Bits(2 ** -25), 0x0000); // tie between 0 and the smallest subnormal: even
  assert.equal(floatToFloat16Bits(3 * 2 ** -25), 0x0002);
  assert.equal(halfBitsToFloat(0x0001, 'float16'), 2 ** -24);
});

test('bfloat16/float16 → float32 is exact: the bits of torch\'s x.bfloat16().float()', () => {
  for (const dtype of ['bfloat16', 'float16'] as const) {
    const wide = halfToFloats(Uint16Array.from(fixture[dtype]), dtype);
    const want = fixture[`${dtype}_float`];
    const got = new Uint32Array(wide.buffer);
    for (let i = 0; i < want.length; i++) assert.equal(got[i], want[i], `${dtype} ${hex(fixture[dtype][i]!, 4)} widened`);
  }
});

test('Tensor.cast to and from bfloat16/float16 gives the same bits on every backend, at 2 bytes per element', () => {
  forEachBackend((backend) => {
    tidy(() => {
      const x = fromArray(inputs, [inputs.length]);
      for (const dtype of ['bfloat16', 'float16'] as const) {
        const h = x.cast(dtype);
        assert.equal(h.dtype, dtype);
        assert.equal(h.handle.storage.bytes, 2 * inputs.length, `${backend}: ${dtype} storage`);
        assert.equal(firstBitMismatch(bitsOf(h), fixture[dtype], `${backend} cast ${dtype}`), null);
        const back = new Uint32Array((h.cast('float32').data() as Float32Array).buffer);
        const want = fixture[`${dtype}_float`];
        for (let i = 0; i < want.length; i++) {
          if (Number.isNaN(inputs[i])) assert.ok(Number.isNaN(new Float32Array(back.buffer)[i]), `${backend}: NaN stays NaN`);
          else assert.equal(back[i], want[i], `${backend}: ${dtype} → float32 at ${i}`);
        }
        // data() widens too.
        assert.deepEqual([...h.data()].slice(30, 40), [...new Float32Array(back.buffer).slice(30, 40)]);
      }
      assert.equal(x.bfloat16().dtype, 'bfloat16');
      // Creation in a half dtype rounds the given values.
      assert.deepEqual([...fromArray(Float32Array.from([1 + 2 ** -11, 65519, 70000]), [3], { dtype: 'float16' }).data()], [1, 65504, Infinity]);
      assert.deepEqual([...fromArray(Float32Array.from([1 + 2 ** -9, 3.14159]), [2], { dtype: 'bfloat16' }).data()], [1, 3.140625]);
      assert.equal(x.half().dtype, 'float16');
      assert.equal(x.half().float().dtype, 'float32');
      const ints = fromArray(Int32Array.from([-3, 0, 7, 300]), [4]);
      assert.deepEqual([...ints.cast('bfloat16').cast('int32').data()], [-3, 0, 7, 300]);
      assert.deepEqual([...fromArray(Float32Array.from([-2.7, 0.5, 257.2]), [3]).cast('float16').cast('int32').data()], [-2, 0, 257]);
    });
  });
});

test('half tensors are storage only: other kernels refuse them naming the op', () => {
  forEachBackend(() => {
    tidy(() => {
      const h = fromArray(Float32Array.from([1, 2, 3]), [3]).cast('bfloat16');
      assert.throws(() => h.neg(), /Unary: bfloat16 tensors \[3\] are storage only .*cast them to float32 first/);
      assert.throws(() => h.sum(), /Reduce: bfloat16 tensors/);
      assert.throws(() => h.slice(0, 1), /Slice: bfloat16 tensors/);
      assert.throws(() => h.requiresGrad_(), /only float32 tensors can require gradients, got bfloat16/);
      // Ops that promote their operands take half to float32 (as PyTorch's bfloat16 + float32).
      assert.equal(h.exp().dtype, 'float32');
      assert.deepEqual([...h.add(fromArray(Float32Array.from([1, 1, 1]), [3])).data()], [2, 3, 4]);
    });
  });
});

test('Cast between half and int32/bool, and between the two half dtypes, gives the spec\'s values on every backend (the same bits)', () => {
  const bits: Record<string, number[][]> = {};
  forEachBackend((backend) => {
    tidy(() => {
      const i = fromArray(Int32Array.from([0, 1, -3, 70000, 2 ** 24 + 1]), [5], { dtype: 'int32' });
      // int → float32 (2^24 + 1 ties to the even 2^24) → half, rounded to nearest even: 70000 is
      // 136.72 steps of 512 in bfloat16 (→ 137 · 512 = 70144) and beyond float16's 65504 (→ inf).
      assert.deepEqual([...i.cast('bfloat16').data()], [0, 1, -3, 70144, 2 ** 24], backend);
      assert.deepEqual([...i.cast('float16').data()], [0, 1, -3, Infinity, Infinity], backend);
      const h = fromArray(Float32Array.from([1.5, -2.25, -0.75, 0, -0, NaN, 1 + 2 ** -8, 3e38]), [8]).cast('bfloat16');
      // half → int truncates toward zero through the float32 value; → bool is x != 0 (NaN is true).
      assert.deepEqual([...h.cast('int32').data()].slice(0, 5), [1, -2, 0, 0, 0], backend);
      assert.deepEqual([...h.cast('bool').data()], [1, 1, 1, 0, 0, 1, 1, 1], backend);
      // bfloat16 → float16: 1 + 2^-8 was rounded to 1 (ties to even); 3e38 overflows to inf.
      const f = h.cast('float16');
      assert.deepEqual(bitsOf(f).slice(6), Uint16Array.from([0x3c00, 0x7c00]), backend);
      assert.ok(Number.isNaN(f.data()[5]), `${backend}: NaN stays NaN`);
      bits[backend] = [[...bitsOf(i.cast('bfloat16'))], [...bitsOf(i.cast('float16'))], [...bitsOf(f)]];
    });
  });
  const [first, ...rest] = Object.values(bits);
  for (const other of rest) assert.deepEqual(other, first, 'every backend gives the same bits');
});
