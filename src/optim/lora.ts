/**
 * LoRA (Hu et al. 2021) as Hugging Face PEFT implements it: each chosen `nn.Linear` keeps its
 * frozen weight W and bias b and gains two small trainable matrices,
 *
 *   y = W x + b + (alpha / r) · B(A(dropout(x)))      A: (r, in), B: (out, r)
 *
 * with A drawn as PEFT's `kaiming_uniform_(a=√5)` (nn.Linear's own init) and B zeros, so the model
 * is unchanged until the first step. Every other parameter is frozen (`requiresGrad` false): it
 * gets no gradient, so the optimizer keeps no moments for it — the memory LoRA saves.
 *
 * Names follow PEFT: the adapters are submodules `lora_A` and `lora_B` of the wrapped layer, so
 * their keys are `transformer.h.0.attn.c_attn.lora_A.weight`, and a saved adapter folder
 * (`adapter_model.safetensors` with every key under `base_model.model.`, and `adapter_config.json`)
 * loads in PEFT with `PeftModel.from_pretrained(base, dir)`. The base weights keep their keys, so
 * a base checkpoint still loads into the wrapped model.
 *
 * Trap: the layer is wrapped in place (its `forward` is replaced on the instance) rather than
 * swapped for another module, because models call their projections through fields
 * (`this.c_attn.forward(x)`) that a swapped registry slot would not change.
 *
 * ```ts
 * applyLora(model, { rank: 8, alpha: 16 });            // GPT-2: c_attn, c_proj, c_fc
 * new AdamW(model.parameters().filter((p) => p.requiresGrad));
 * saveLoraAdapters(model, 'runs/x/adapter');           // PEFT's adapter folder
 * mergeLora(model);                                     // W ← W + (alpha/r)·B·A, adapters removed
 * ```
 */
import { exists, joinPath, makeDir, readText, writeFile } from '../platform/index.js';
import { noGrad } from '../autograd/apply.js';
import { Linear } from '../nn/linear.js';
import { Dropout } from '../nn/dropout.js';
import { copy_, zeros_ } from '../nn/init.js';
import type { Module } from '../nn/module.js';
import type { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { bytesPerElement } from '../tensor/dtype.js';
import { loadSafetensors, saveSafetensors } from '../io/tensors.js';

export interface LoraOptions {
  /** r, the adapters' inner width (PEFT's default 8). */
  rank?: number;
  /** lora_alpha: the update is scaled by alpha / r (default: 2 × rank). */
  alpha?: number;
  /** Dropout on the adapter's input (lora_dropout, default 0). */
  dropout?: number;
  /**
   * Linear layers to adapt, as PEFT's target_modules: a layer matches when its dotted name equals
   * a target or ends with `.` + target. Default: the attention and MLP projections of the model
   * (`defaultLoraTargets`).
   */
  targets?: readonly string[];
  /** Modules trained in full beside the adapters and saved with them (PEFT's modules_to_save: a classification head). */
  modulesToSave?: readonly string[];
}

/** The LoRA settings of an adapted model, as adapter_config.json records them. */
export interface LoraConfig {
  rank: number;
  alpha: number;
  dropout: number;
  targets: string[];
  modulesToSave: string[];
  /** The dotted names of the adapted Linear layers. */
  layers: string[];
}

/** A problem with LoRA options or an adapter folder; the message names the field or file. */
export class LoraError extends Error {
  override name = 'LoraError';
}

interface Adapter {
  lora_A: Linear;
  lora_B: Linear;
  dropout: Dropout;
  scaling: number;
}

const adapters = new WeakMap<Linear, Adapter>();
const applied = new WeakMap<Module, { config: LoraConfig; frozen: Tensor[] }>();

/** The projections adapted by default, by model family (the first whose layers exist wins). */
const DEFAULT_TARGETS: readonly (readonly string[])[] = [
  ['c_attn', 'c_proj', 'c_fc'], // GPT-2 / GPT: attention q|k|v, attention and MLP output, MLP input
  ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'], // Llama family
  ['query', 'key', 'value', 'output.dense', 'intermediate.dense'], // BERT (not pooler.dense)
  ['q_lin', 'k_lin', 'v_lin', 'out_lin', 'lin1', 'lin2'], // DistilBERT
];

const matches = (name: string, target: string): boolean => name === target || name.endsWith(`.${target}`);

/**
 * The attention and MLP projections of a GPT-2, Llama, BERT or DistilBERT model, as PEFT target names.
 *
 * ```ts
 * defaultLoraTargets(llama); // ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj']
 * ```
 */
export function defaultLoraTargets(model: Module): string[] {
  const linears = model.namedModules().filter(([, m]) => m instanceof Linear).map(([n]) => n);
  const found = DEFAULT_TARGETS.find((set) => set.some((t) => linears.some((n) => matches(n, t))));
  if (!found) throw new LoraError(`applyLora: no default targets for a ${model.constructor.name} (its Linear layers: ${linears.join(', ') || 'none'}); pass targets`);
  return [...found];
}

/** The LoRA settings of `model`, or null when it has no adapters. */
export function loraConfigOf(model: Module): LoraConfig | null {
  const entry = applied.get(model);
  return entry ? structuredClone(entry.config) : null;
}

/**
 * Adds LoRA adapters to the targeted Linear layers of `model` and freezes everything else (but
 * `modulesToSave`). Returns the settings. The adapters are in `model.parameters()`, the only ones
 * with `requiresGrad` besides `modulesToSave`.
 *
 * ```ts
 * const lora = applyLora(gpt, { rank: 4, alpha: 8, targets: ['c_attn'] });
 * lora.layers; // ['transformer.h.0.attn.c_attn', 'transformer.h.1.attn.c_attn']
 * ```
 */
export function applyLora(model: Module, options: LoraOptions = {}): LoraConfig {
  if (applied.has(model)) throw new LoraError('applyLora: the model already has LoRA adapters (merge them first)');
  const rank = options.rank ?? 8;
  if (!Number.isInteger(rank) || rank <= 0) throw new LoraError(`applyLora: rank must be a positive integer, got ${rank}`);
  const alpha = options.alpha ?? 2 * rank;
  if (!(Number.isFinite(alpha) && alpha > 0)) throw new LoraError(`applyLora: alpha must be a positive number, got ${alpha}`);
  const dropout = options.dropout ?? 0;
  if (!(dropout >= 0 && dropout < 1)) throw new LoraError(`applyLora: dropout must be in [0, 1), got ${dropout}`);
  const targets = [...(options.targets ?? defaultLoraTargets(model))];
  const modulesToSave = [...(options.modulesToSave ?? [])];
  const named = model.namedModules();
  const layers = named.filter(([n, m]) => m instanceof Linear && targets.some((t) => matches(n, t)) && !modulesToSave.some((s) => matches(n, s) || n.startsWith(`${s}.`)));
  for (const t of targets) {
    if (!named.some(([n]) => matches(n, t))) throw new LoraError(`applyLora: target ${JSON.stringify(t)} names no layer of the ${model.constructor.name}`);
  }
  if (layers.length === 0) throw new LoraError(`applyLora: the targets ${targets.join(', ')} name no Linear layer`);
  const saved = named.filter(([n]) => modulesToSave.some((s) => matches(n, s)));
  for (const s of modulesToSave) if (!saved.some(([n]) => matches(n, s))) throw new LoraError(`applyLora: modulesToSave ${JSON.stringify(s)} names no module of the ${model.constructor.name}`);

  // Freeze the base first: the adapters created below are new, trainable parameters.
  const keepTrainable = new Set(saved.flatMap(([, m]) => m.parameters()));
  const frozen = model.parameters().filter((p) => p.requiresGrad && !keepTrainable.has(p));
  for (const p of frozen) p.requiresGrad_(false);
  for (const [, layer] of layers) wrap(layer as Linear, rank, alpha / rank, dropout);
  const config: LoraConfig = { rank, alpha, dropout, targets, modulesToSave, layers: layers.map(([n]) => n) };
  applied.set(model, { config, frozen });
  return structuredClone(config);
}

function wrap(layer: Linear, rank: number, scaling: number, p: number): void {
  // lora_A: nn.Linear(in, r, bias=False) whose default init is PEFT's kaiming_uniform_(a=√5).
  const lora_A = layer.registerModule('lora_A', new Linear(layer.inFeatures, rank, { bias: false })); // (r, in)
  const lora_B = layer.registerModule('lora_B', new Linear(rank, layer.outFeatures, { bias: false })); // (out, r)
  zeros_(lora_B.weight); // B = 0: the adapted layer starts as the base layer
  const dropout = layer.registerModule('lora_dropout', new Dropout(p));
  const adapter: Adapter = { lora_A, lora_B, dropout, scaling };
  adapters.set(layer, adapter);
  layer.forward = (x: Tensor): Tensor => {
    const base = Linear.prototype.forward.call(layer, x); // (…, out)
    const update = lora_B.forward(lora_A.forward(dropout.forward(x))); // (…, in) → (…, r) → (…, out)
    return base.add(update.mul(scaling)); // (…, out)
  };
}

/** [Linear, adapter] of every adapted layer of `model`, with names. */
function adaptedLayers(model: Module): [string, Linear, Adapter][] {
  return model.namedModules().flatMap(([n, m]) => {
    const a = m instanceof Linear ? adapters.get(m) : undefined;
    return a ? [[n, m as Linear, a] as [string, Linear, Adapter]] : [];
  });
}

/**
 * The trainable state of a LoRA model under the model's own keys: every `…lora_A.weight` and
 * `…lora_B.weight`, and the parameters of `modulesToSave`. The tensors are the model's.
 *
 * ```ts
 * Object.keys(loraStateDict(gpt)); // ['transformer.h.0.attn.c_attn.lora_A.weight', …]
 * ```
 */
export function loraStateDict(model: Module): Record<string, Tensor> {
  const entry = requireLora(model, 'loraStateDict');
  const out: Record<string, Tensor> = {};
  for (const [name, p] of model.namedParameters()) {
    const isAdapter = /\.lora_[AB]\.weight$/.test(name);
    const isSaved = entry.config.modulesToSave.some((s) => name.startsWith(`${s}.`) || name.includes(`.${s}.`));
    if (isAdapter || isSaved) out[name] = p;
  }
  return out;
}

function requireLora(model: Module, where: string): { config: LoraConfig; frozen: Tensor[] } {
  const entry = applied.get(model);
  if (!entry) throw new LoraError(`${where}: the ${model.constructor.name} has no LoRA adapters (applyLora first)`);
  return entry;
}

/** PEFT's key prefix in adapter_model.safetensors (`PeftModel.base_model.model`). */
export const PEFT_PREFIX = 'base_model.model.';
/** The file names of a PEFT adapter folder. */
export const ADAPTER_FILES = { weights: 'adapter_model.safetensors', config: 'adapter_config.json' } as const;

export interface SaveAdapterOptions {
  /** PEFT's task_type: 'CAUSAL_LM' (default) or 'SEQ_CLS'. */
  taskType?: 'CAUSAL_LM' | 'SEQ_CLS' | 'FEATURE_EXTRACTION';
  /** base_model_name_or_path (the Hugging Face folder the base came from). */
  baseModel?: string | null;
  /** True for GPT-2, whose HF Conv1D base weights are [in, out] (PEFT's fan_in_fan_out); the adapters are the same. */
  fanInFanOut?: boolean;
}

/**
 * Writes the adapters as a PEFT adapter folder: `adapter_model.safetensors` (keys
 * `base_model.model.<name>.lora_A.weight`, …) and `adapter_config.json` (r, lora_alpha,
 * lora_dropout, target_modules, bias 'none', task_type, modules_to_save).
 *
 * ```ts
 * saveLoraAdapters(gpt, 'runs/x/adapter', { baseModel: 'models/gpt2', fanInFanOut: true });
 * ```
 */
export function saveLoraAdapters(model: Module, dir: string, options: SaveAdapterOptions = {}): void {
  const { config } = requireLora(model, 'saveLoraAdapters');
  const tensors = Object.fromEntries(Object.entries(loraStateDict(model)).map(([k, t]) => [PEFT_PREFIX + k, t]));
  makeDir(dir, { recursive: true });
  saveSafetensors(joinPath(dir, ADAPTER_FILES.weights), tensors, { format: 'pt' });
  const peft = {
    peft_type: 'LORA',
    task_type: options.taskType ?? 'CAUSAL_LM',
    base_model_name_or_path: options.baseModel ?? null,
    r: config.rank,
    lora_alpha: config.alpha,
    lora_dropout: config.dropout,
    target_modules: config.targets,
    modules_to_save: config.modulesToSave.length > 0 ? config.modulesToSave : null,
    bias: 'none',
    fan_in_fan_out: options.fanInFanOut ?? false,
    inference_mode: true,
    init_lora_weights: true,
    use_rslora: false,
    use_dora: false,
  };
  writeFile(joinPath(dir, ADAPTER_FILES.config), `${JSON.stringify(peft, null, 2)}\n`);
}

/** adapter_config.json as LoRA options; errors name the file and the field. */
export function readAdapterConfig(dir: string): Required<LoraOptions> & { taskType: string | null } {
  const path = joinPath(dir, ADAPTER_FILES.config);
  if (!exists(path)) throw new LoraError(`${dir}: no ${ADAPTER_FILES.config}: not a PEFT adapter folder`);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readText(path)) as Record<string, unknown>;
  } catch (err) {
    throw new LoraError(`${path}: not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const field = <T>(name: string, ok: (v: unknown) => boolean, expected: string, fallback?: T): T => {
    const v = raw[name] ?? fallback;
    if (!ok(v)) throw new LoraError(`${path}: ${name} must be ${expected}, got ${JSON.stringify(v)}`);
    return v as T;
  };
  if ((raw.peft_type ?? 'LORA') !== 'LORA') throw new LoraError(`${path}: peft_type ${JSON.stringify(raw.peft_type)} is not supported (attn reads LORA adapters)`);
  if ((raw.bias ?? 'none') !== 'none') throw new LoraError(`${path}: bias ${JSON.stringify(raw.bias)} is not supported (attn's adapters train no biases: 'none')`);
  if (raw.use_dora === true || raw.use_rslora === true) throw new LoraError(`${path}: DoRA and rsLoRA adapters are not supported`);
  const isStrings = (v: unknown) => Array.isArray(v) && v.every((s) => typeof s === 'string');
  return {
    rank: field<number>('r', (v) => Number.isInteger(v) && (v as number) > 0, 'a positive integer'),
    alpha: field<number>('lora_alpha', (v) => typeof v === 'number' && v > 0, 'a positive number', 8),
    dropout: field<number>('lora_dropout', (v) => typeof v === 'number' && v >= 0 && v < 1, 'a number in [0, 1)', 0),
    targets: field<string[]>('target_modules', isStrings, 'a list of module names'),
    modulesToSave: field<string[]>('modules_to_save', isStrings, 'a list of module names or null', []),
    taskType: typeof raw.task_type === 'string' ? raw.task_type : null,
  };
}

/**
 * Loads a PEFT adapter folder into `model`: adds the adapters its adapter_config.json describes
 * when the model has none yet, then copies every tensor in. Everything is checked first: a
 * missing, unexpected or misshapen tensor is one error naming it, both shapes and the file.
 *
 * ```ts
 * const { model } = loadPretrained('models/gpt2');
 * loadLoraAdapters(model, 'runs/x/adapter');
 * ```
 */
export function loadLoraAdapters(model: Module, dir: string): LoraConfig {
  const options = readAdapterConfig(dir);
  if (!applied.has(model)) applyLora(model, options);
  const file = joinPath(dir, ADAPTER_FILES.weights);
  if (!exists(file)) throw new LoraError(`${dir}: no ${ADAPTER_FILES.weights}`);
  const target = loraStateDict(model);
  const { tensors } = loadSafetensors(file);
  try {
    const problems: string[] = [];
    const seen = new Set<string>();
    for (const [key, t] of Object.entries(tensors)) {
      // PEFT saves without the adapter name; some versions keep `.default` in modules_to_save keys.
      const name = key.startsWith(PEFT_PREFIX) ? key.slice(PEFT_PREFIX.length).replace('.modules_to_save.default.', '.').replace('.default.', '.') : key;
      const p = target[name];
      if (!p) problems.push(`unexpected tensor ${JSON.stringify(key)}`);
      else if (p.shape.join() !== t.shape.join()) problems.push(`tensor ${JSON.stringify(key)} has shape ${formatShape(t.shape)}, the model's ${name} is ${formatShape(p.shape)}`);
      seen.add(name);
    }
    for (const name of Object.keys(target)) if (!seen.has(name)) problems.push(`missing tensor ${JSON.stringify(PEFT_PREFIX + name)}`);
    if (problems.length > 0) throw new LoraError(`${file}: does not match the model's adapters: ${problems.join('; ')}`);
    noGrad(() => {
      for (const [key, t] of Object.entries(tensors)) {
        const name = key.startsWith(PEFT_PREFIX) ? key.slice(PEFT_PREFIX.length).replace('.modules_to_save.default.', '.').replace('.default.', '.') : key;
        copy_(target[name]!, t);
      }
    });
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
  return loraConfigOf(model)!;
}

/**
 * Folds every adapter into its layer, W ← W + (alpha/r)·B·A, removes the adapters and unfreezes
 * what `applyLora` froze: the model is a plain model again, computing the same function.
 *
 * ```ts
 * mergeLora(gpt);
 * Object.keys(gpt.stateDict()).some((k) => k.includes('lora_')); // false
 * ```
 */
export function mergeLora(model: Module): void {
  const entry = requireLora(model, 'mergeLora');
  noGrad(() => {
    for (const [, layer, a] of adaptedLayers(model)) {
      const delta = a.lora_B.weight.matmul(a.lora_A.weight).mul(a.scaling); // (out, r) @ (r, in) → (out, in)
      const merged = layer.weight.add(delta); // (out, in)
      copy_(layer.weight, merged);
      merged.dispose();
      delta.dispose();
      unwrap(layer, a);
    }
  });
  for (const p of entry.frozen) p.requiresGrad_(true);
  applied.delete(model);
}

/**
 * Removes the adapters without folding them in (the base model as loaded) and unfreezes it.
 *
 * ```ts
 * removeLora(gpt); // back to the pretrained weights
 * ```
 */
export function removeLora(model: Module): void {
  const entry = requireLora(model, 'removeLora');
  for (const [, layer, a] of adaptedLayers(model)) unwrap(layer, a);
  for (const p of entry.frozen) p.requiresGrad_(true);
  applied.delete(model);
}

function unwrap(layer: Linear, a: Adapter): void {
  for (const name of ['lora_A', 'lora_B', 'lora_dropout']) layer.deleteModule(name);
  a.lora_A.dispose();
  a.lora_B.dispose();
  delete (layer as { forward?: unknown }).forward; // back to Linear.prototype.forward
  adapters.delete(layer);
}

/**
 * Bytes a training run needs in the arena for its parameters: the weights of every parameter (2
 * bytes per element for frozen bfloat16/float16 ones, else 4), plus a gradient and AdamW's two
 * moments for each trainable one (activations not counted).
 *
 * ```ts
 * trainingBytes(model); // 16 × params for a full fine-tune, ≈ 4 × params with LoRA
 * ```
 */
export function trainingBytes(model: Module, options: { trainable?: (p: Tensor) => boolean } = {}): number {
  const trainable = options.trainable ?? ((p: Tensor) => p.requiresGrad);
  // A frozen half-precision weight is 2 bytes per element; a trained one is float32 (4 bytes) times four.
  return model.parameters().reduce((n, p) => n + (trainable(p) ? 16 * p.size : bytesPerElement(p.dtype) * p.size), 0);
}
