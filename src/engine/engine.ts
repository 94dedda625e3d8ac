/**
 * The engine: owns the memory arena, the active backend, the scope stack and the bookkeeping of
 * live tensors. Ops reach kernels only through `runKernel`; nothing above this file touches raw
 * memory except through `TensorInfo` pointers.
 */
import { Arena } from './arena.js';
import type { Backend, KernelAttrs, KernelContext, KernelFn, KernelInputs, KernelName, TensorInfo } from './kernels.js';
import type { DType } from '../tensor/dtype.js';
import { bytesPerElement, isHalf } from '../tensor/dtype.js';
import { sizeOf } from '../tensor/shape.js';
import { halfToFloats } from '../tensor/half.js';
import { refBackend } from '../backends/ref/index.js';
import { env } from '../platform/index.js';

/** A refcounted block of the arena. Views (reshape) share one storage. */
export class Storage {
  refCount = 1;
  /** Bumped by in-place writes, so backward can detect a saved tensor modified after it was saved. */
  version = 0;
  constructor(
    private readonly arena: Arena,
    readonly ptr: number,
    readonly bytes: number,
  ) {}
  retain(): void {
    this.refCount++;
  }
  release(): void {
    if (this.refCount <= 0) return;
    if (--this.refCount === 0) this.arena.free(this.ptr);
  }
}

/** The part of a tensor the FinalizationRegistry may see (it must not reference the tensor). */
export interface TensorHandle {
  disposed: boolean;
  storage: Storage;
  onDispose: (() => void) | null;
}

/** What scopes track: anything disposable with a handle. */
export interface Disposable {
  readonly handle: TensorHandle;
  dispose(): void;
}

export class DisposedTensorError extends Error {
  override name = 'DisposedTensorError';
}

export interface MemoryInfo {
  /** Tensors created and not yet disposed (or collected). */
  numTensors: number;
  /** Bytes of the arena held by live tensor storage. */
  numBytes: number;
  /** Highest `numBytes` since start or the last `resetPeakMemory()`. */
  peakBytes: number;
  /** Size of the underlying WebAssembly.Memory. */
  reservedBytes: number;
  /**
   * Tensors that were never disposed and that the garbage collector released since start: leaks
   * the finalizer caught. A count that keeps growing points to a missing `dispose()` or `tidy`.
   * `numTensors + collectedTensors` only rises when tensors are created, so leak checks that span
   * an `await` compare that sum (the collector may free earlier garbage in between).
   */
  collectedTensors: number;
  /** Bytes of the arena those collected tensors released. */
  collectedBytes: number;
  backend: string;
}

class Engine {
  readonly arena = new Arena();
  private readonly backends = new Map<string, Backend>([[refBackend.name, refBackend]]);
  /** Null until the first kernel runs (or setBackend): then the preferred backend is chosen. */
  private activeBackend: Backend | null = null;
  private readonly initialized = new Set<string>(['ref']);
  /** Backends in order of preference for the default choice (ATTN_BACKEND overrides). */
  private readonly preference = ['wasm', 'ref'];
  /** Why the preferred backend could not start, if it could not. */
  defaultBackendError: string | null = null;
  private readonly scopes: Set<Disposable>[] = [];
  gradEnabled = true;
  liveTensors = 0;
  private collectedTensors = 0;
  private collectedBytes = 0;
  private readonly finalizer = new FinalizationRegistry<TensorHandle>((handle) => {
    if (handle.disposed) return;
    const bytesBefore = this.arena.bytesInUse;
    disposeHandle(handle, this);
    this.collectedTensors++;
    this.collectedBytes += bytesBefore - this.arena.bytesInUse;
  });

  registerBackend(backend: Backend): void {
    this.backends.set(backend.name, backend);
  }
  setBackend(name: string): void {
    const backend = this.backends.get(name);
    if (!backend) {
      throw new Error(`setBackend: unknown backend '${name}' (available: ${[...this.backends.keys()].join(', ')})`);
    }
    if (!this.initialized.has(name)) {
      backend.initialize?.(this.arena.memory);
      this.initialized.add(name);
    }
    this.activeBackend = backend;
  }

  /**
   * The active backend. The first use picks the fastest one that starts: `ATTN_BACKEND` if set,
   * else wasm, else ref (a wasm start-up failure is remembered in `defaultBackendError`).
   */
  private get active(): Backend {
    if (this.activeBackend) return this.activeBackend;
    const requested = env('ATTN_BACKEND');
    if (requested) {
      this.setBackend(requested);
      return this.activeBackend!;
    }
    for (const name of this.preference) {
      if (!this.backends.has(name)) continue;
      try {
        this.setBackend(name);
        return this.activeBackend!;
      } catch (err) {
        this.defaultBackendError = `${name}: ${err instanceof Error ? err.message : String(err)}`;
      }
    }
    this.activeBackend = refBackend;
    return refBackend;
  }

  get backendName(): string {
    return this.active.name;
  }
  get backendNames(): string[] {
    return [...this.backends.keys()];
  }

  /** Allocates a new storage for `size` elements of `dtype`. */
  allocStorage(size: number, dtype: DType): Storage {
    const bytes = Math.max(size, 1) * bytesPerElement(dtype);
    return new Storage(this.arena, this.arena.alloc(bytes), bytes);
  }

  /** Makes a tensor handle: counted live, tracked by the innermost scope, and finalizer-protected. */
  track(t: Disposable, tracked = true): void {
    this.liveTensors++;
    this.finalizer.register(t, t.handle, t.handle);
    if (tracked && this.scopes.length > 0) this.scopes[this.scopes.length - 1]!.add(t);
  }
  /** Called by `Tensor.dispose`. */
  release(t: Disposable): void {
    if (t.handle.disposed) return;
    this.finalizer.unregister(t.handle);
    disposeHandle(t.handle, this);
  }
  /** Stops the innermost scopes from disposing `t` (it outlives them). */
  untrack(t: Disposable): void {
    for (const scope of this.scopes) scope.delete(t);
  }

  /**
   * Runs a kernel on the active backend, falling back to the reference backend when the active one
   * does not implement it. Returns the output infos with their storages (owned by the caller).
   */
  runKernel<K extends KernelName>(name: K, inputs: KernelInputs<K>, attrs: KernelAttrs<K>): { info: TensorInfo; storage: Storage }[] {
    const impl = (this.active.kernels[name] ?? refBackend.kernels[name]) as KernelFn<K> | undefined;
    if (!impl) throw new Error(`runKernel: no backend implements kernel '${name}'`);
    if (!HALF_KERNELS.has(name)) {
      for (const t of inputs as readonly (TensorInfo | null)[]) {
        if (t && isHalf(t.dtype)) {
          throw new TypeError(`${name}: ${t.dtype} tensors [${t.shape.join(', ')}] are storage only (frozen weights); cast them to float32 first (kernels reading half: ${[...HALF_KERNELS].join(', ')})`);
        }
      }
    }
    const allocated = new Map<number, Storage>();
    const ctx: KernelContext = {
      alloc: (shape, dtype) => {
        const size = sizeOf(shape);
        const storage = this.allocStorage(size, dtype);
        allocated.set(storage.ptr, storage);
        return { ptr: storage.ptr, shape: [...shape], dtype, size };
      },
      f32: (t) => {
        const view = this.arena.f32;
        return view.subarray(t.ptr >>> 2, (t.ptr >>> 2) + t.size);
      },
      i32: (t) => {
        const view = this.arena.i32;
        return view.subarray(t.ptr >>> 2, (t.ptr >>> 2) + t.size);
      },
      u16: (t) => {
        const view = this.arena.u16;
        return view.subarray(t.ptr >>> 1, (t.ptr >>> 1) + t.size);
      },
    };
    let outputs: TensorInfo[];
    try {
      outputs = impl(ctx, inputs, attrs);
    } catch (err) {
      for (const s of allocated.values()) s.release();
      throw err;
    }
    const result = outputs.map((info) => {
      const storage = allocated.get(info.ptr);
      if (!storage) throw new Error(`runKernel: kernel '${name}' returned a tensor it did not allocate`);
      allocated.delete(info.ptr);
      return { info, storage };
    });
    // Scratch a kernel allocated and did not return.
    for (const s of allocated.values()) s.release();
    return result;
  }

  /**
   * A float32 or int32 view of a tensor's elements in the arena (valid until the next allocation);
   * for bfloat16/float16, a float32 copy of the widened values (half bits have no float32 view).
   */
  view(ptr: number, size: number, dtype: DType): Float32Array | Int32Array {
    if (isHalf(dtype)) return halfToFloats(this.arena.u16.subarray(ptr >>> 1, (ptr >>> 1) + size), dtype);
    const base = ptr >>> 2;
    return dtype === 'float32' ? this.arena.f32.subarray(base, base + size) : this.arena.i32.subarray(base, base + size);
  }

  startScope(): void {
    this.scopes.push(new Set());
  }
  /** Ends the innermost scope, disposing what it tracked except `keep`, which moves to the parent. */
  endScope(keep: ReadonlySet<Disposable>): void {
    const scope = this.scopes.pop();
    if (!scope) throw new Error('endScope: no scope is open');
    const parent = this.scopes[this.scopes.length - 1];
    for (const t of scope) {
      if (keep.has(t)) parent?.add(t);
      else t.dispose();
    }
  }
  get scopeDepth(): number {
    return this.scopes.length;
  }

  memory(): MemoryInfo {
    return {
      numTensors: this.liveTensors,
      numBytes: this.arena.bytesInUse,
      peakBytes: this.arena.peakBytesInUse,
      reservedBytes: this.arena.reservedBytes,
      collectedTensors: this.collectedTensors,
      collectedBytes: this.collectedBytes,
      backend: this.active.name,
    };
  }
}

/** The kernels that accept bfloat16/float16 inputs; the engine refuses half inputs to any other. */
const HALF_KERNELS: ReadonlySet<KernelName> = new Set<KernelName>(['Cast', 'IndexSelect', 'MatMulHalf']);

function disposeHandle(handle: TensorHandle, engine: Engine): void {
  handle.disposed = true;
  engine.liveTensors--;
  handle.storage.release();
  const hook = handle.onDispose;
  handle.onDispose = null;
  hook?.();
}

export const ENGINE = new Engine();
export type { Engine };
