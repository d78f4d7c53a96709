import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { RE2JS } from 're2js';
import { z } from 'zod';
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

const ajv = new Ajv2020({ allErrors: true, strict: false, code: { regExp: linearRegExp } });
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

const compiled = new WeakMap<object, ValidateFunction>();
const byText = new Map<string, ValidateFunction>();

function compile(schema: JsonSchema): ValidateFunction {
  const cached = compiled.get(schema);
  if (cached) return cached;
  const text = JSON.stringify(schema);
  const validate = byText.get(text) ?? ajv.compile(schema);
  if (byText.size < 1000) byText.set(text, validate);
  compiled.set(schema, validate);
  return validate;
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
