/**
 * The wasm backend: AssemblyScript SIMD kernels on a worker-thread pool, over the engine's shared
 * memory. Every kernel has a wasm version; cases a wrapper does not handle (e.g. int32 unary ops,
 * ranks above 8 in Pad/GatherElements/ScatterAdd) run on the reference backend.
 *
 * Importing this module registers the backend with the engine (cheap: nothing is loaded or
 * started until it is selected).
 *
 * @example
 *   import 'attn/backends/wasm';   // or any import of this file
 *   setBackend('wasm');            // compiles the kernels, starts the thread pool
 */
import { ENGINE } from '../../engine/engine.js';
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
import { initializeWasm } from './state.js';

export const wasmKernels: Partial<KernelTable> = {
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

export const wasmBackend: Backend = {
  name: 'wasm',
  kernels: wasmKernels,
  initialize: (memory) => initializeWasm(memory),
};

ENGINE.registerBackend(wasmBackend);

export { setKernelModule, usingRelaxedSimd } from './state.js';
export { getNumThreads, setNumThreads } from './thread-pool.js';
