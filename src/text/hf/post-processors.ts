// tokenizer.json post-processors (tokenizers' src/processors/): add the special tokens a model
// expects around an encoded sequence ([CLS] … [SEP], <s> …, <|begin_of_text|> …).

import { asSpec, at, child, getArray, unsupported, type Spec, type Where } from './spec.js';

/** Adds special tokens around one sequence (or a pair); `typeIds` are the segment ids. */
export type PostProcessor = (a: number[], b: number[] | null) => { ids: number[]; typeIds: number[] };

export const POST_PROCESSOR_TYPES = ['TemplateProcessing', 'BertProcessing', 'RobertaProcessing', 'ByteLevel', 'Sequence'] as const;

function tokenPair(spec: Spec, key: string, where: Where): number {
  const v = spec[key];
  if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && Number.isInteger(v[1])) return v[1] as number;
  throw new Error(`${at(where, key)} must be ["token", id], got ${JSON.stringify(v)}`);
}

/** A post-processor that adds nothing: the sequences joined, the second with type id 1. */
const IDENTITY: PostProcessor = (a, b) => ({ ids: b === null ? a : [...a, ...b], typeIds: [...a.map(() => 0), ...(b ?? []).map(() => 1)] });

/** One item of a TemplateProcessing template: a sequence slot or a special token. */
type Piece = { seq: 'A' | 'B'; typeId: number } | { special: number[]; typeId: number };

function template(value: unknown, specials: Map<string, number[]>, where: Where): Piece[] {
  if (!Array.isArray(value)) throw new Error(`${at(where)} must be an array of template items, got ${JSON.stringify(value)}`);
  return value.map((item: unknown, i) => {
    const w = at(child(where, i));
    const it = item as { Sequence?: { id?: unknown; type_id?: unknown }; SpecialToken?: { id?: unknown; type_id?: unknown } };
    if (it?.Sequence && (it.Sequence.id === 'A' || it.Sequence.id === 'B')) return { seq: it.Sequence.id, typeId: Number(it.Sequence.type_id ?? 0) };
    if (it?.SpecialToken && typeof it.SpecialToken.id === 'string') {
      const ids = specials.get(it.SpecialToken.id);
      if (!ids) throw new Error(`${w}: special token ${JSON.stringify(it.SpecialToken.id)} is not listed in special_tokens`);
      return { special: ids, typeId: Number(it.SpecialToken.type_id ?? 0) };
    }
    throw new Error(`${w}: expected {"Sequence": {"id": "A"|"B"}} or {"SpecialToken": {"id": …}}, got ${JSON.stringify(item)}`);
  });
}

function apply(items: Piece[], a: number[], b: number[] | null): { ids: number[]; typeIds: number[] } {
  const ids: number[] = [];
  const typeIds: number[] = [];
  for (const it of items) {
    const part = 'seq' in it ? (it.seq === 'A' ? a : (b ?? [])) : it.special;
    for (const id of part) {
      ids.push(id);
      typeIds.push(it.typeId);
    }
  }
  return { ids, typeIds };
}

/**
 * Builds the post-processor a tokenizer.json `post_processor` field describes (null: none).
 *
 * @example
 * const p = buildPostProcessor({ type: 'BertProcessing', cls: ['[CLS]', 101], sep: ['[SEP]', 102] }, { file: 'tokenizer.json', path: 'post_processor' })!;
 * p([7592], null).ids; // [101, 7592, 102]
 */
export function buildPostProcessor(value: unknown, where: Where): PostProcessor | null {
  if (value === null || value === undefined) return null;
  const spec = asSpec(value, where, 'post_processor');
  switch (spec.type) {
    case 'TemplateProcessing': {
      const specials = new Map<string, number[]>();
      const raw = spec.special_tokens ?? {};
      if (typeof raw !== 'object' || raw === null) throw new Error(`${at(where, 'special_tokens')} must be an object`);
      for (const [name, entry] of Object.entries(raw as Record<string, unknown>)) {
        const ids = (entry as { ids?: unknown })?.ids;
        if (!Array.isArray(ids) || !ids.every((x) => Number.isInteger(x))) {
          throw new Error(`${at(child(where, 'special_tokens'), name)}.ids must be an array of ids, got ${JSON.stringify(ids)}`);
        }
        specials.set(name, ids as number[]);
      }
      const single = template(spec.single, specials, child(where, 'single'));
      const pair = spec.pair === undefined ? null : template(spec.pair, specials, child(where, 'pair'));
      return (a, b) => apply(b !== null && pair ? pair : single, a, b);
    }
    case 'BertProcessing': {
      const cls = tokenPair(spec, 'cls', where);
      const sep = tokenPair(spec, 'sep', where);
      return (a, b) => apply(b === null ? [{ special: [cls], typeId: 0 }, { seq: 'A', typeId: 0 }, { special: [sep], typeId: 0 }] : [{ special: [cls], typeId: 0 }, { seq: 'A', typeId: 0 }, { special: [sep], typeId: 0 }, { seq: 'B', typeId: 1 }, { special: [sep], typeId: 1 }], a, b);
    }
    case 'RobertaProcessing': {
      // <s> A </s> and <s> A </s></s> B </s>; RoBERTa's type ids are all 0.
      const cls = tokenPair(spec, 'cls', where);
      const sep = tokenPair(spec, 'sep', where);
      return (a, b) => apply(b === null ? [{ special: [cls], typeId: 0 }, { seq: 'A', typeId: 0 }, { special: [sep], typeId: 0 }] : [{ special: [cls], typeId: 0 }, { seq: 'A', typeId: 0 }, { special: [sep, sep], typeId: 0 }, { seq: 'B', typeId: 0 }, { special: [sep], typeId: 0 }], a, b);
    }
    case 'ByteLevel':
      // Only trims offsets in tokenizers; ids are unchanged.
      return IDENTITY;
    case 'Sequence': {
      // tokenizers runs each processor on the previous one's encodings. ByteLevel changes no
      // ids, so what remains is the processors that add tokens; the hub's files have at most
      // one (ByteLevel then a template). A second one sees the first one's output as one sequence.
      const list = getArray(spec, 'processors', where).map((p, i) => buildPostProcessor(p, child(child(where, 'processors'), i)));
      const fns = list.filter((f): f is PostProcessor => f !== null && f !== IDENTITY);
      if (fns.length === 0) return IDENTITY;
      return (a, b) => fns.slice(1).reduce((out, f) => f(out.ids, null), fns[0]!(a, b));
    }
    default:
      throw unsupported(where, 'post_processor', spec.type, POST_PROCESSOR_TYPES);
  }
}
