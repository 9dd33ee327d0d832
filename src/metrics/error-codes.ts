/**
 * Where an API's response keeps its error codes, worked out once per API from its message declaration: the
 * errorCode fields and the arrays and structs that lead to one. Counting the errors of a response then visits those
 * fields alone (a Fetch response: its topics, their partitions, each partition's errorCode) instead of every key
 * of every object in it, and never looks into record data.
 */
import { API_BY_KEY } from '../protocol/messages/index.js';
import type { FieldSpec } from '../protocol/schema.js';

export interface ErrorPlan {
  /** The struct has an errorCode field. */
  readonly errorCode: boolean;
  /** Fields holding structs (or arrays of them) with an errorCode somewhere inside. */
  readonly nested: ReadonlyArray<readonly [name: string, plan: ErrorPlan]>;
}

function planOf(spec: FieldSpec): ErrorPlan | undefined {
  const struct = spec.kind === 'array' ? spec.elem : spec;
  if (struct?.kind !== 'struct') return undefined;
  let errorCode = false;
  const nested: Array<readonly [string, ErrorPlan]> = [];
  for (const [name, f] of struct.fields!) {
    if (name === 'errorCode' && f.kind === 'int16') errorCode = true;
    else if (f.kind === 'struct' || f.kind === 'array') {
      const p = planOf(f);
      if (p !== undefined) nested.push([name, p]);
    }
  }
  return errorCode || nested.length > 0 ? { errorCode, nested } : undefined;
}

const plans = new Map<number, ErrorPlan | null>();

/** The plan of an API's responses (null when they carry no error code, undefined for an unknown API). */
export function errorPlan(apiKey: number): ErrorPlan | null | undefined {
  let p = plans.get(apiKey);
  if (p === undefined) {
    const api = API_BY_KEY.get(apiKey);
    if (api === undefined) return undefined;
    p = planOf(api.response.spec) ?? null;
    plans.set(apiKey, p);
  }
  return p;
}

/** Calls `count` with every non-zero error code the plan finds in a response body. */
export function walkErrors(plan: ErrorPlan, node: unknown, count: (code: number) => void): void {
  if (node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const item of node) walkErrors(plan, item, count);
    return;
  }
  const o = node as Record<string, unknown>;
  if (plan.errorCode) {
    const code = o['errorCode'];
    if (typeof code === 'number' && code !== 0) count(code);
  }
  for (const [name, p] of plan.nested) walkErrors(p, o[name], count);
}
