/** What every benchmark function receives. */
import type { MeasureOptions, Recorder } from './measure.js';

export interface BenchContext {
  /** `--quick`: fewer repeats and smaller shapes where the shape is the expensive part. */
  quick: boolean;
  opts: MeasureOptions;
  rec: Recorder;
  /** Thread counts to measure multi-threaded implementations at (1 and 2). */
  threads: number[];
  /** B6: the GPT exported by torch_bench.py --export-onnx, for onnxruntime-node (none without PyTorch). */
  onnxModel?: string;
}
