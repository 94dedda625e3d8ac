// Shared helpers for the io tests: build safetensors bytes by hand, straight from the spec.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** u64 little-endian, written byte by byte. */
export function u64le(n: number): number[] {
  const out: number[] = [];
  let v = n;
  for (let i = 0; i < 8; i++) {
    out.push(v % 256);
    v = Math.floor(v / 256);
  }
  return out;
}

/** 8-byte length + header text (as given, no padding) + data bytes. */
export function buildFile(headerText: string, data: ArrayLike<number> = [], headerLength?: number): Uint8Array {
  const header = Buffer.from(headerText, 'utf8');
  return Uint8Array.from([...u64le(headerLength ?? header.length), ...header, ...Array.from(data)]);
}

/** buildFile with the header given as an object. */
export function buildFromHeader(header: unknown, data: ArrayLike<number> = []): Uint8Array {
  return buildFile(JSON.stringify(header), data);
}

/** Bytes of 16-bit values, little-endian. */
export function u16le(values: number[]): number[] {
  return values.flatMap((v) => [v & 0xff, (v >> 8) & 0xff]);
}

/** Bytes of 32-bit values (given as unsigned bit patterns), little-endian. */
export function u32le(values: number[]): number[] {
  return values.flatMap((v) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff]);
}

/** float32 bit pattern of `x`. */
export function f32bits(x: number): number {
  return new Uint32Array(new Float32Array([x]).buffer)[0]!;
}

export function bitsOf(a: Float32Array): number[] {
  return Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
}

/** A fresh temp directory, removed by the returned cleanup. */
export function tempDir(prefix = 'attn-io-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
