/** The reference backend: plain TypeScript, one file per kernel. It is the specification. */
import type { Backend, KernelTable } from '../../engine/kernels.js';
import { AdamWUpdate } from './AdamWUpdate.js';
import { ArgReduce } from './ArgReduce.js';
import { Binary } from './Binary.js';
import { BroadcastTo } from './BroadcastTo.js';
import { Cast } from './Cast.js';
import { Compare } from './Compare.js';
import { Concat } from './Concat.js';
import { CrossEntropy } from './CrossEntropy.js';
import { CrossEntropyGrad } from './CrossEntropyGrad.js';
import { Dropout } from './Dropout.js';
import { GatherElements } from './GatherElements.js';
import { IndexAdd } from './IndexAdd.js';
import { IndexSelect } from './IndexSelect.js';
import { LayerNorm } from './LayerNorm.js';
import { LayerNormGrad } from './LayerNormGrad.js';
import { LogSoftmax } from './LogSoftmax.js';
import { MatMul } from './MatMul.js';
import { MatMulHalf } from './MatMulHalf.js';
import { Pad } from './Pad.js';
import { Reduce } from './Reduce.js';
import { PackedQkvAttention, PackedQkvAttentionGrad } from './PackedQkvAttention.js';
import { ScaledDotProductAttention } from './ScaledDotProductAttention.js';
import { ScaledDotProductAttentionGrad } from './ScaledDotProductAttentionGrad.js';
import { ScaleInPlace } from './ScaleInPlace.js';
import { ScatterAdd } from './ScatterAdd.js';
import { Slice } from './Slice.js';
import { SliceAssign } from './SliceAssign.js';
import { Softmax } from './Softmax.js';
import { SumSquares } from './SumSquares.js';
import { Transpose } from './Transpose.js';
import { Unary } from './Unary.js';
import { UnaryGrad } from './UnaryGrad.js';
import { Where } from './Where.js';

/** Every kernel: the `KernelTable` type makes a missing one a compile error. */
export const refKernels: KernelTable = {
  AdamWUpdate,
  ArgReduce,
  Binary,
  BroadcastTo,
  Cast,
  Compare,
  Concat,
  CrossEntropy,
  CrossEntropyGrad,
  Dropout,
  GatherElements,
  IndexAdd,
  IndexSelect,
  LayerNorm,
  LayerNormGrad,
  LogSoftmax,
  MatMul,
  MatMulHalf,
  Pad,
  Reduce,
  PackedQkvAttention,
  PackedQkvAttentionGrad,
  ScaledDotProductAttention,
  ScaledDotProductAttentionGrad,
  ScaleInPlace,
  ScatterAdd,
  Slice,
  SliceAssign,
  Softmax,
  SumSquares,
  Transpose,
  Unary,
  UnaryGrad,
  Where,
};

export const refBackend: Backend = { name: 'ref', kernels: refKernels };
