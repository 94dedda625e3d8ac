/**
 * The 51 matrix products of one B5 training step (nanoGPT's CPU configuration: 4 layers, d 128,
 * block 64, batch 12, so 768 token rows; no biases). nn.Linear is y = x·Wᵀ: forward M 768 × K in
 * × N out (transB); dx = dy·W (M 768, K out, N in); dW = dyᵀ·x (transA: M out, K 768, N in); the
 * tied lm_head (65 × 128) once each.
 */
export interface Shape { name: string; M: number; K: number; N: number; transA: boolean; transB: boolean; perStep: number }

const T = 768;
const linears: [string, number, number][] = [['c_attn', 128, 384], ['attn.c_proj', 128, 128], ['c_fc', 128, 512], ['mlp.c_proj', 512, 128]];
export const B5_SHAPES: Shape[] = [];
for (const [n, i, o] of linears) {
  B5_SHAPES.push({ name: `${n} fwd`, M: T, K: i, N: o, transA: false, transB: true, perStep: 4 });
  B5_SHAPES.push({ name: `${n} dx`, M: T, K: o, N: i, transA: false, transB: false, perStep: 4 });
  B5_SHAPES.push({ name: `${n} dW`, M: o, K: T, N: i, transA: true, transB: false, perStep: 4 });
}
B5_SHAPES.push({ name: 'lm_head fwd', M: T, K: 128, N: 65, transA: false, transB: true, perStep: 1 });
B5_SHAPES.push({ name: 'lm_head dx', M: T, K: 65, N: 128, transA: false, transB: false, perStep: 1 });
B5_SHAPES.push({ name: 'lm_head dW', M: 65, K: T, N: 128, transA: true, transB: false, perStep: 1 });
