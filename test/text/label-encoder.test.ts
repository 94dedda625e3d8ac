import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LabelEncoder } from '../../src/text/index.js';

test('LabelEncoder: classes sorted, ids are positions (scikit-learn semantics)', () => {
  const enc = new LabelEncoder().fit(['sci.space', 'alt.atheism', 'rec.autos', 'sci.space']);
  assert.deepEqual(enc.classes, ['alt.atheism', 'rec.autos', 'sci.space']);
  assert.equal(enc.numClasses, 3);
  assert.deepEqual(enc.transform(['rec.autos', 'sci.space', 'alt.atheism']), [1, 2, 0]);
  assert.deepEqual(enc.inverseTransform([2, 0, 0]), ['sci.space', 'alt.atheism', 'alt.atheism']);
  assert.deepEqual(new LabelEncoder().fitTransform(['b', 'a', 'c', 'a']), [1, 0, 2, 0]);
});

test('LabelEncoder: numbers sort numerically, strings by code point', () => {
  assert.deepEqual(new LabelEncoder<number>().fit([10, 2, 1, 2, -3.5]).classes, [-3.5, 1, 2, 10]);
  // UTF-16 order would put the emoji (D83D…) before U+FF5A; code-point order (NumPy's) does not.
  assert.deepEqual(new LabelEncoder().fit(['😀', 'ｚ', 'B', 'a']).classes, ['B', 'a', 'ｚ', '😀']);
  assert.deepEqual(new LabelEncoder().fit(['ab', 'a', '']).classes, ['', 'a', 'ab']);
});

test('LabelEncoder: unseen labels, bad ids and mixed types are errors that say what is wrong', () => {
  const enc = new LabelEncoder().fit(['neg', 'pos']);
  assert.throws(() => enc.transform(['pos', 'neutral']), /LabelEncoder\.transform: unseen label "neutral" \(known classes: "neg", "pos"\)/);
  assert.throws(() => enc.transform(['x', 'y']), /unseen labels "x", "y"/);
  assert.throws(() => new LabelEncoder().transform(['a']), /known classes: none; call fit first/);
  assert.throws(() => enc.inverseTransform([2]), /LabelEncoder\.inverseTransform: id 2 is not a class index in \[0, 2\)/);
  assert.throws(() => enc.inverseTransform([-1]), /id -1/);
  assert.throws(() => new LabelEncoder<string | number>().fit(['a', 1]), /labels mix strings and numbers/);
  assert.throws(() => new LabelEncoder<number>().fit([NaN]), /strings or numbers \(not NaN\), got NaN/);
});

test('LabelEncoder: JSON round trip', () => {
  const enc = new LabelEncoder().fit(['b', 'c', 'a']);
  const copy = LabelEncoder.fromJSON(JSON.parse(JSON.stringify(enc.toJSON())));
  assert.deepEqual(copy.classes, ['a', 'b', 'c']);
  assert.deepEqual(copy.transform(['c', 'a']), [2, 0]);
  const nums = LabelEncoder.fromJSON<number>(new LabelEncoder<number>().fit([3, 1]).toJSON());
  assert.deepEqual(nums.transform([3]), [1]);
  assert.throws(() => LabelEncoder.fromJSON({ type: 'label-encoder', classes: ['a', 1] }), /classes must be an array of strings or of numbers/);
  assert.throws(() => LabelEncoder.fromJSON({ type: 'label-encoder', classes: ['a', 'a'] }), /classes has duplicates/);
  assert.throws(() => LabelEncoder.fromJSON({ type: 'word' }), /expected type "label-encoder", got "word"/);
});
