import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export type ConfigCheck<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly field: string; readonly problem: string };

/** `/rules/0/for` → `rules[0].for` — how a technician reads a YAML path. */
export function jsonPointerToField(pointer: string): string {
  if (!pointer || pointer === '/') return '(root)';
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '');
}

/**
 * Applies schema defaults to a copy of `input` and validates it. The first
 * problem is returned with a dotted field name, so the caller can print one line
 * that names the field. The result is deeply frozen: config never changes after load.
 */
export function checkConfig<S extends TSchema>(schema: S, input: unknown): ConfigCheck<Static<S>> {
  const withDefaults = Value.Default(schema, structuredClone(input ?? {}));
  const first = Value.Errors(schema, withDefaults).First();
  if (first) {
    // Unions report on the union; a more specific message reads better.
    let problem = first.message;
    if (first.value === undefined) problem = 'is required';
    else if (/Expected union value/.test(problem) && first.schema.anyOf) problem = 'has an unsupported value';
    return { ok: false, field: jsonPointerToField(first.path), problem };
  }
  return { ok: true, value: deepFreeze(withDefaults as Static<S>) };
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}
