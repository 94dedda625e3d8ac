/**
 * The engine's memory: one `WebAssembly.Memory` that every tensor lives in, so the wasm kernels
 * and the plain-TypeScript reference kernels read the same bytes with no copy.
 *
 * JavaScript owns allocation. Blocks are rounded up to size classes (four per power of two) and
 * recycled through per-class free lists; a training loop allocates the same sizes every step, so
 * after the first step it runs entirely from the free lists and live memory stays flat.
 */

import { RESERVED_BYTES } from '../backends/wasm/abi.js';

/** Bytes at the bottom of memory that belong to the wasm module (static data, stack, scratch): the kernel ABI's. */
export const WASM_RESERVED_BYTES = RESERVED_BYTES;
/** Every block starts on a cache line, which also satisfies SIMD alignment. */
export const ALIGNMENT = 64;
const PAGE_BYTES = 65536;
const MAX_PAGES = 65536; // 4 GiB: the wasm32 limit

export class OutOfMemoryError extends Error {
  override name = 'OutOfMemoryError';
}

/** Rounds a request up to its size class: 64-byte multiples below 1 KiB, then 4 classes per octave. */
export function sizeClass(bytes: number): number {
  const b = Math.max(ALIGNMENT, Math.ceil(bytes / ALIGNMENT) * ALIGNMENT);
  if (b <= 1024) return b;
  const octave = 2 ** Math.floor(Math.log2(b));
  const step = octave / 4;
  return Math.ceil(b / step) * step;
}

export class Arena {
  readonly memory: WebAssembly.Memory;
  readonly shared: boolean;
  private top = WASM_RESERVED_BYTES;
  private readonly freeLists = new Map<number, number[]>();
  private readonly blockSize = new Map<number, number>();
  private inUse = 0;
  private peak = 0;
  private f32View!: Float32Array;
  private i32View!: Int32Array;
  private u8View!: Uint8Array;
  private u16View!: Uint16Array;

  constructor(options: { shared?: boolean; initialBytes?: number } = {}) {
    this.shared = options.shared ?? true;
    const initialPages = Math.ceil(Math.max(options.initialBytes ?? 0, 2 * WASM_RESERVED_BYTES) / PAGE_BYTES);
    this.memory = new WebAssembly.Memory({ initial: initialPages, maximum: MAX_PAGES, shared: this.shared });
    this.refreshViews();
  }

  /** Views over the whole memory. Re-read after any allocation: growing replaces the buffer. */
  get f32(): Float32Array {
    if (this.f32View.buffer !== this.memory.buffer || this.f32View.length * 4 !== this.memory.buffer.byteLength) this.refreshViews();
    return this.f32View;
  }
  get i32(): Int32Array {
    if (this.i32View.buffer !== this.memory.buffer || this.i32View.length * 4 !== this.memory.buffer.byteLength) this.refreshViews();
    return this.i32View;
  }
  get u8(): Uint8Array {
    if (this.u8View.buffer !== this.memory.buffer || this.u8View.length !== this.memory.buffer.byteLength) this.refreshViews();
    return this.u8View;
  }

  /** The 16-bit view, for the half-precision storage dtypes. */
  get u16(): Uint16Array {
    if (this.u16View.buffer !== this.memory.buffer || this.u16View.length * 2 !== this.memory.buffer.byteLength) this.refreshViews();
    return this.u16View;
  }

  private refreshViews(): void {
    const buffer = this.memory.buffer;
    this.f32View = new Float32Array(buffer);
    this.i32View = new Int32Array(buffer);
    this.u8View = new Uint8Array(buffer);
    this.u16View = new Uint16Array(buffer);
  }

  /**
   * Allocates `bytes` (rounded to a size class); returns the byte offset. Contents are undefined.
   * Order of preference: a free block of exactly this class (the steady state of a training
   * loop); fresh space below the current end of memory; the smallest larger free block, split;
   * the same after merging adjacent free blocks; and only then growing the memory.
   */
  alloc(bytes: number): number {
    const size = sizeClass(bytes);
    const ptr =
      this.freeLists.get(size)?.pop() ??
      this.bump(size, false) ??
      this.takeBestFit(size) ??
      (this.coalesce(), this.takeBestFit(size)) ??
      this.bump(size, true, bytes)!;
    this.blockSize.set(ptr, size);
    this.inUse += size;
    if (this.inUse > this.peak) this.peak = this.inUse;
    return ptr;
  }

  free(ptr: number): void {
    const size = this.blockSize.get(ptr);
    if (size === undefined) throw new Error(`Arena.free: ${ptr} is not a live block (double free?)`);
    this.blockSize.delete(ptr);
    this.inUse -= size;
    this.pushFree(ptr, size);
  }

  private pushFree(ptr: number, size: number): void {
    let list = this.freeLists.get(size);
    if (!list) this.freeLists.set(size, (list = []));
    list.push(ptr);
  }

  /** New space at the top; grows the memory only when `grow` is set. */
  private bump(size: number, grow: boolean, asked = size): number | undefined {
    const ptr = this.top;
    if (ptr + size > this.memory.buffer.byteLength) {
      if (!grow) return undefined;
      this.ensureCapacity(ptr + size, asked);
    }
    this.top = ptr + size;
    return ptr;
  }

  /** The smallest free block larger than `size`, split; the rest stays free. */
  private takeBestFit(size: number): number | undefined {
    let best = Infinity;
    for (const [blockSize, list] of this.freeLists) {
      if (blockSize > size && blockSize < best && list.length > 0) best = blockSize;
    }
    if (best === Infinity) return undefined;
    const ptr = this.freeLists.get(best)!.pop()!;
    this.pushFree(ptr + size, best - size);
    return ptr;
  }

  /** Merges adjacent free blocks (and gives a free block at the top back to the bump pointer). */
  private coalesce(): void {
    const blocks: [number, number][] = [];
    for (const [size, list] of this.freeLists) for (const ptr of list) blocks.push([ptr, size]);
    if (blocks.length === 0) return;
    blocks.sort((a, b) => a[0] - b[0]);
    this.freeLists.clear();
    let [start, size] = blocks[0]!;
    for (let i = 1; i <= blocks.length; i++) {
      const next = blocks[i];
      if (next && next[0] === start + size) {
        size += next[1];
        continue;
      }
      if (start + size === this.top) this.top = start;
      else this.pushFree(start, size);
      if (next) [start, size] = next;
    }
  }

  private ensureCapacity(end: number, asked: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const maxBytes = MAX_PAGES * PAGE_BYTES;
    // Grow geometrically so a growing workload does not grow page by page.
    const want = Math.min(maxBytes, Math.max(end, Math.floor(have * 1.5)));
    if (end > maxBytes) throw this.outOfMemory(asked);
    try {
      this.memory.grow(Math.ceil((want - have) / PAGE_BYTES));
    } catch {
      try {
        this.memory.grow(Math.ceil((end - have) / PAGE_BYTES));
      } catch {
        throw this.outOfMemory(asked);
      }
    }
    this.refreshViews();
  }

  private outOfMemory(asked: number): OutOfMemoryError {
    return new OutOfMemoryError(
      `attn: cannot allocate ${formatBytes(asked)}: ${formatBytes(this.inUse)} in use by tensors, ` +
        `${formatBytes(this.memory.buffer.byteLength)} reserved, limit 4 GiB (wasm32). Dispose tensors you no longer need or use tidy().`,
    );
  }

  /** Bytes held by live blocks (including size-class rounding). */
  get bytesInUse(): number {
    return this.inUse;
  }
  get peakBytesInUse(): number {
    return this.peak;
  }
  resetPeak(): void {
    this.peak = this.inUse;
  }
  get liveBlocks(): number {
    return this.blockSize.size;
  }
  /** Size of the memory, in bytes. */
  get reservedBytes(): number {
    return this.memory.buffer.byteLength;
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}
