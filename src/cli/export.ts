/** `attn export`: a model (run folder or Hugging Face folder) as a Hugging Face folder or an ONNX model. */
import type { Command } from 'commander';
import { exportHuggingFace } from '../export/hf/export.js';
import { exportOnnx } from '../export/onnx/export.js';
import { withFolderFlag } from './errors.js';
import { UsageError } from './options.js';
import { checkOutputFolder } from './output-paths.js';
import { weightsDtypeFlag } from './weights-dtype-option.js';
import { isHuggingFaceFolder } from '../models/hf/load-pretrained.js';

interface ExportFlags {
  model?: string;
  format?: string;
  out?: string;
  json?: boolean;
  weightsDtype?: string;
}

export function registerExportCommand(program: Command): void {
  program
    .command('export')
    .description('export a model as a Hugging Face folder (hf) or an ONNX model (onnx)')
    .option('--model <dir>', 'run folder written by attn train, or a Hugging Face model folder')
    .option('--format <format>', 'hf (transformers, vLLM, TGI) or onnx (onnxruntime, Triton, transformers.js)')
    .option('--out <dir>', 'folder to write (created if needed; its files are overwritten)')
    .option('--json', 'print the report as JSON')
    .option('--weights-dtype <dtype>', "how a Hugging Face folder's weight matrices are loaded: float32, bfloat16 or float16 (half the memory), or auto: float32 when it fits, else the file's half dtype (default auto). --format hf writes half-precision matrices in that dtype (BF16/F16 safetensors, torch_dtype set); --format onnx always computes in float32 (half weights are written widened, exactly). An attn run folder is exported as it was saved")
    .addHelpText('after', `
Examples:
  attn export --model runs/lm --format hf --out exported/lm-hf       # then: GPT2LMHeadModel.from_pretrained('exported/lm-hf')
  attn export --model runs/spam --format onnx --out exported/spam    # exported/spam/model.onnx
  attn export --model models/SmolLM-135M --format hf --weights-dtype bfloat16 --out exported/smol   # BF16 safetensors
See docs/scale-out.md for vLLM, TGI, the HF Trainer, onnxruntime and Triton.`)
    .action((flags: ExportFlags) => {
      if (!flags.model) throw new UsageError('--model <dir> is required (a run folder written by attn train, or a Hugging Face model folder)');
      if (flags.format !== 'hf' && flags.format !== 'onnx') throw new UsageError(`--format must be hf or onnx, got ${flags.format === undefined ? 'nothing' : `'${flags.format}'`}`);
      if (!flags.out) throw new UsageError('--out <dir> is required (the folder to write)');
      const { model, out } = flags;
      checkOutputFolder(out, '--out');
      const weights = weightsDtypeFlag(flags.weightsDtype);
      if ((weights === 'bfloat16' || weights === 'float16') && !isHuggingFaceFolder(model)) {
        throw new UsageError(`--weights-dtype ${weights} loads a Hugging Face folder in half precision; ${model} is not one (an attn run folder is exported with the weights it was saved with)`);
      }
      const report = withFolderFlag('--model', () => (flags.format === 'hf' ? exportHuggingFace(model, out, { weights }) : exportOnnx(model, out, { weights })));
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(report)}\n`);
        return;
      }
      console.log(`wrote ${out}: ${report.files.join(', ')}`);
      if ('modelType' in report) {
        console.log(`model_type ${report.modelType}${report.tokenizerSkipped ? `; no tokenizer.json (${report.tokenizerSkipped})` : ''}`);
      } else {
        console.log(`${report.kind}: inputs ${report.inputs.join(', ')}; outputs ${report.outputs.join(', ')}`);
      }
    });
}
