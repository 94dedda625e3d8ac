/**
 * `optim`: optimizers, learning-rate schedules and gradient clipping with PyTorch's update rules.
 *
 * ```ts
 * import { optim } from 'attn';
 * const opt = new optim.AdamW(model.parameters(), { lr: 3e-4 });
 * const sched = optim.warmupLinearDecay(opt, { warmupSteps: 100, totalSteps: 1000 });
 * ```
 */
export { Optimizer } from './optimizer.js';
export type { ParamGroup, ParamsInput, ParamState, OptimizerStateDict } from './optimizer.js';
export { SGD } from './sgd.js';
export type { SGDOptions, SGDState } from './sgd.js';
export { Adam, AdamW } from './adam.js';
export type { AdamOptions, AdamState } from './adam.js';
export { clipGradNorm } from './clip-grad.js';
export { LrScheduler, warmupLinearDecay, warmupCosineDecay } from './lr-scheduler.js';
export type { LrSchedulerState, WarmupOptions } from './lr-scheduler.js';
export { cosineToMinLr, warmupCosineToMinLr } from './lr-scheduler.js';
export type { CosineToMinLrOptions } from './lr-scheduler.js';
export { weightDecayGroups, decayParamGroups } from './param-groups.js';
export type { WeightDecayGroups } from './param-groups.js';
export {
  applyLora, mergeLora, removeLora, loraStateDict, loraConfigOf, defaultLoraTargets, saveLoraAdapters, loadLoraAdapters,
  readAdapterConfig, trainingBytes, LoraError, PEFT_PREFIX, ADAPTER_FILES,
} from './lora.js';
export type { LoraOptions, LoraConfig, SaveAdapterOptions } from './lora.js';
