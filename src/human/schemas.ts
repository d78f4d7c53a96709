import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { RE2JS } from 're2js';
import { z } from 'zod';
import { canonicalJson } from '../store/canonical.ts';
import type { JsonSchema, SchemaInput } from './types.ts';

// ajv-formats is CommonJS; under NodeNext its default import is the plugin function at run time.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;

/**
 * Every `pattern` (and `patternProperties`) of a schema runs in RE2's linear-time engine, never in
 * the backtracking `RegExp`: an answer can not stall the process, whatever the schema's author
 * wrote (`^(a+)+$` included). Patterns RE2 cannot run (backreferences, lookarounds) make the
 * schema invalid, so the task is refused when it is created.
 */
const linearRegExp = Object.assign(
  (pattern: string, flags: string) => {
    const re = RE2JS.compile(RE2JS.translateRegExp(pattern), flags.includes('i') ? RE2JS.CASE_INSENSITIVE : 0);
    // ajv keys its cache of compiled patterns by `toString()`: each pattern needs its own.
    return { test: (input: string) => re.test(input), toString: () => `/${pattern}/${flags}` };
  },
  { code: 'linearRegExp' },
);

// `addUsedSchema: false`: a form's `$id` is not registered in ajv's global registry, so the same
// `$id` may come again (the same form, or a changed one) and no form can `$ref` another's.
const ajv = new Ajv2020({ allErrors: true, strict: false, addUsedSchema: false, code: { regExp: linearRegExp } });
addFormats(ajv);

/** Field-level problems, as shown to a person or returned in a 422. */
export interface FieldIssue {
  path: string;
  message: string;
}

/** True for a zod schema (authored in TypeScript). */
export function isZodSchema(value: unknown): value is z.ZodType {
  return value instanceof z.ZodType;
}

/**
 * Turns a zod schema or a JSON Schema into a compiled, stored JSON Schema.
 * @throws Error with ajv's explanation when the JSON Schema is invalid.
 */
export function toJsonSchema(input: SchemaInput): JsonSchema {
  // The input side: what a person may submit (defaults may be left out; zod applies them after).
  const schema = isZodSchema(input)
    ? (z.toJSONSchema(input, { io: 'input', unrepresentable: 'any' }) as JsonSchema)
    : input;
  compile(schema);
  return schema;
}

/** How many compiled forms are kept (least recently used ones are compiled again when needed). */
const MAX_COMPILED = 256;
/** Compiled validators by canonical schema text, least recently used first (a Map keeps insertion order). */
const byText = new Map<string, ValidateFunction>();
/** The same, by schema object: a schema validated many times is not serialized each time. */
const byObject = new WeakMap<object, ValidateFunction>();

function compile(schema: JsonSchema): ValidateFunction {
  const known = byObject.get(schema);
  if (known) return known;
  const text = canonicalJson(schema);
  let validate = byText.get(text);
  if (validate) byText.delete(text);
  else validate = compileAlone(schema);
  byText.set(text, validate);
  if (byText.size > MAX_COMPILED) byText.delete(byText.keys().next().value as string);
  byObject.set(schema, validate);
  return validate;
}

/**
 * Compiles `schema` and leaves nothing of it in ajv: its cache entry is removed, and ajv's
 * registry is put back as it was (the references its inner `$id`s added are dropped; an `$id`
 * naming a meta-schema removes nothing). The validator returned holds all it needs, so the LRU
 * above is the only cache, and one form's ids never resolve in another's.
 */
function compileAlone(schema: JsonSchema): ValidateFunction {
  const refs = { ...ajv.refs };
  const schemas = { ...ajv.schemas };
  try {
    return ajv.compile(schema);
  } finally {
    ajv.removeSchema(schema);
    restore(ajv.refs, refs);
    restore(ajv.schemas, schemas);
  }
}

function restore<T>(registry: Record<string, T>, saved: Record<string, T>): void {
  for (const key of Object.keys(registry)) if (!(key in saved)) delete registry[key];
  Object.assign(registry, saved);
}

/**
 * For tests, not exported from the package: how many validators the LRU keeps, and how many
 * schemas ajv holds in its own cache and registry (these must not grow with each new form).
 */
export function schemaCacheSizes(): { compiled: number; ajvCache: number; ajvRefs: number } {
  const cache = (ajv as unknown as { _cache: Map<unknown, unknown> })._cache;
  return { compiled: byText.size, ajvCache: cache.size, ajvRefs: Object.keys(ajv.refs).length };
}

/** Validates `data` against a stored JSON Schema; returns the problems (empty when valid). */
export function validateAgainst(schema: JsonSchema, data: unknown): FieldIssue[] {
  const validate = compile(schema);
  if (validate(data)) return [];
  return dedupe((validate.errors ?? []).map(toIssue));
}

function toIssue(error: ErrorObject): FieldIssue {
  const missing =
    error.keyword === 'required' ? `/${(error.params as { missingProperty: string }).missingProperty}` : '';
  const path = `${error.instancePath}${missing}`.replace(/^\//, '').replaceAll('/', '.');
  const message =
    error.keyword === 'required'
      ? 'is required'
      : error.keyword === 'additionalProperties'
        ? `has an unknown field "${(error.params as { additionalProperty: string }).additionalProperty}"`
        : (error.message ?? 'is invalid');
  return { path, message };
}

function dedupe(issues: FieldIssue[]): FieldIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.path}\u0000${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
