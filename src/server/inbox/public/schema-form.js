// @ts-check
/**
 * A form built from a JSON Schema (browser module): the inbox edits an action's arguments with it
 * when the action carries its schema. It draws strings, numbers and integers (with their bounds),
 * booleans, enums (as a select), nested objects (as fieldsets) and arrays of plain values; marks
 * required fields; and checks what it reads, with a message beside each field. A schema it cannot
 * draw (`anyOf`, `$ref`, arrays of objects, a type union…) or a value that does not fit its schema
 * is edited as JSON instead ({@link formFits}). The server validates the answer again: it decides.
 */
import { esc, sentence } from './words.js';

/**
 * The part of JSON Schema the form reads.
 * @typedef {{ type?: string | string[], title?: string, description?: string, enum?: unknown[],
 *   properties?: Record<string, FieldSchema>, required?: string[], items?: FieldSchema | FieldSchema[],
 *   minimum?: number, maximum?: number, exclusiveMinimum?: number, exclusiveMaximum?: number,
 *   minLength?: number, maxLength?: number, pattern?: string, format?: string,
 *   minItems?: number, maxItems?: number, default?: unknown, [key: string]: unknown }} FieldSchema
 */
/** @typedef {{ path: string, message: string }} Issue */

/** Keywords the form does not draw: a schema with any of them is edited as JSON. */
const UNDRAWN = ['anyOf', 'oneOf', 'allOf', 'not', '$ref', 'if', 'const', 'patternProperties', 'prefixItems'];
const SCALARS = ['string', 'number', 'integer', 'boolean'];
/** The most fields a form draws, and how deep objects nest: beyond, JSON is clearer. */
const MAX_FIELDS = 60;
const MAX_DEPTH = 4;

/**
 * Whether the form can draw `schema` (an object schema with properties) and show `value` in it.
 * @param {unknown} schema the action's JSON Schema
 * @param {unknown} value the arguments
 * @returns {schema is FieldSchema}
 */
export function formFits(schema, value) {
  if (!isObject(schema) || schema.type !== 'object' || !isObject(schema.properties)) return false;
  let fields = 0;
  /**
   * @param {FieldSchema} raw
   * @param {unknown} v
   * @param {number} depth
   * @returns {boolean}
   */
  const fits = (raw, v, depth) => {
    if (!isObject(raw) || UNDRAWN.some((k) => k in raw) || ++fields > MAX_FIELDS) return false;
    const s = plainType(raw);
    if (s === null) return false;
    if (v === null && s.nullable) return true;
    if (Array.isArray(s.enum)) return s.enum.length > 0 && (v === undefined || s.enum.some((e) => same(e, v)));
    if (s.type === 'object') {
      if (depth >= MAX_DEPTH || !isObject(s.properties)) return false;
      if (v !== undefined && !isObject(v)) return false;
      const o = /** @type {Record<string, unknown>} */ (v ?? {});
      return Object.entries(s.properties).every(([k, p]) => fits(p, o[k], depth + 1));
    }
    if (s.type === 'array') {
      const items = s.items;
      if (!isObject(items) || Array.isArray(items) || UNDRAWN.some((k) => k in items) || s.nullable) return false;
      if (!SCALARS.includes(String(items.type)) || Array.isArray(items.enum)) return false;
      if (v === undefined) return true;
      return Array.isArray(v) && v.every((x) => typeFits(String(items.type), x));
    }
    if (!SCALARS.includes(String(s.type))) return false;
    return v === undefined || typeFits(String(s.type), v);
  };
  return fits(schema, value, 0);
}

/**
 * The form's HTML for `schema` holding `value`. Each field's error slot is `data-error-for` its
 * path (`args.amount`, `args.address.city`), as the server names its issues.
 * @param {FieldSchema} schema an object schema that {@link formFits}
 * @param {unknown} value
 * @param {string} prefix the path of the value (`args`)
 */
export function formHtml(schema, value, prefix) {
  return `<div class="schema-form" data-form-for="${esc(prefix)}">${objectFields(schema, value, prefix)}</div>`;
}

/**
 * Reads the form back into a value typed as the schema says, and checks it. Fields the schema
 * does not name keep their values from `base`; an optional field left empty is left out.
 * @param {ParentNode} root where the form is
 * @param {FieldSchema} schema
 * @param {unknown} base the value the form was drawn with
 * @param {string} prefix
 * @returns {{ value: Record<string, unknown>, issues: Issue[] }}
 */
export function readForm(root, schema, base, prefix) {
  /** @type {Issue[]} */
  const issues = [];
  const value = readObject(root, schema, base, prefix, issues);
  return { value, issues };
}

/**
 * Lets the form's arrays grow and shrink (its "Add" and "Remove" buttons); call once per container.
 * @param {HTMLElement} root
 */
export function wireForm(root) {
  root.addEventListener('click', (event) => {
    const t = event.target;
    if (!(t instanceof HTMLElement)) return;
    if (t.dataset.removeItem !== undefined) {
      t.closest('.array-item')?.remove();
      return;
    }
    const id = t.dataset.addItem;
    const list = id ? document.getElementById(id) : null;
    if (!list?.dataset.itemType) return;
    list.insertAdjacentHTML('beforeend', itemHtml(list.dataset.itemType, undefined, list.dataset.label || 'Item'));
    /** @type {HTMLElement | null} */ (list.lastElementChild?.querySelector('input, select') ?? null)?.focus();
  });
}

// ── drawing ──────────────────────────────────────────────────────────────────────────────────
/**
 * @param {FieldSchema} schema
 * @param {unknown} value
 * @param {string} path
 * @returns {string}
 */
function objectFields(schema, value, path) {
  const required = new Set(schema.required || []);
  const o = isObject(value) ? value : {};
  return Object.entries(schema.properties || {})
    .map(([name, p]) => field(p, o[name], `${path}.${name}`, p.title || sentence(name), required.has(name)))
    .join('');
}

/**
 * @param {FieldSchema} raw
 * @param {unknown} v
 * @param {string} path
 * @param {string} label
 * @param {boolean} required
 * @returns {string}
 */
function field(raw, v, path, label, required) {
  const s = plainType(raw) ?? raw;
  const id = idOf(path);
  const mark = required ? ' <span class="muted">(required)</span>' : '';
  const hint = s.description ? `<div class="muted small">${esc(s.description)}</div>` : '';
  const error = `<div class="field-error" data-error-for="${esc(path)}"></div>`;
  if (s.type === 'object' && !Array.isArray(s.enum)) {
    return `<fieldset id="${id}"><legend>${esc(label)}${mark}</legend>${hint}${objectFields(s, v, path)}${error}</fieldset>`;
  }
  if (s.type === 'array') {
    const items = /** @type {FieldSchema} */ (s.items);
    const type = String(items.type);
    const rows = (Array.isArray(v) ? v : []).map((x) => itemHtml(type, x, label)).join('');
    return (
      `<fieldset><legend>${esc(label)}${mark}</legend>${hint}` +
      `<div class="array-field" id="${id}" data-item-type="${esc(type)}" data-label="${esc(label)}">${rows}</div>` +
      `<button type="button" class="link" data-add-item="${id}">Add</button>${error}</fieldset>`
    );
  }
  if (s.type === 'boolean' && !Array.isArray(s.enum)) {
    return `<label class="check" for="${id}"><input type="checkbox" id="${id}"${v === true ? ' checked' : ''}> ${esc(label)}</label>${hint}${error}`;
  }
  return `<label for="${id}">${esc(label)}${mark}</label>${hint}${control(s, v, id, required)}${error}`;
}

/**
 * @param {FieldSchema} s
 * @param {unknown} v
 * @param {string} id
 * @param {boolean} required
 */
function control(s, v, id, required) {
  if (Array.isArray(s.enum)) {
    const options = s.enum
      .map(
        (e, i) =>
          `<option value="${i}"${same(e, v) ? ' selected' : ''}>${esc(typeof e === 'string' ? e : JSON.stringify(e))}</option>`,
      )
      .join('');
    const blank = required && v !== undefined && !s.nullable ? '' : '<option value=""></option>';
    return `<select id="${id}">${blank}${options}</select>`;
  }
  const current = v === undefined || v === null ? '' : String(v);
  if (s.type === 'integer' || s.type === 'number') {
    const bounds = [
      s.minimum !== undefined ? ` min="${s.minimum}"` : '',
      s.maximum !== undefined ? ` max="${s.maximum}"` : '',
    ].join('');
    return `<input type="number" inputmode="decimal" step="${s.type === 'integer' ? '1' : 'any'}"${bounds} id="${id}" value="${esc(current)}">`;
  }
  if ((s.maxLength ?? 0) > 200) return `<textarea id="${id}" rows="4">${esc(current)}</textarea>`;
  /** @type {Record<string, string>} */
  const kinds = { email: 'email', uri: 'url', date: 'date' };
  return `<input type="${kinds[s.format ?? ''] ?? 'text'}" id="${id}" value="${esc(current)}"${s.maxLength ? ` maxlength="${s.maxLength}"` : ''}>`;
}

/**
 * One row of an array of plain values.
 * @param {string} type
 * @param {unknown} v
 * @param {string} label
 */
function itemHtml(type, v, label) {
  const current = v === undefined || v === null ? '' : String(v);
  const input =
    type === 'boolean'
      ? `<input type="checkbox" aria-label="${esc(label)}"${v === true ? ' checked' : ''}>`
      : `<input type="${type === 'string' ? 'text' : 'number'}" aria-label="${esc(label)}"${type === 'integer' ? ' step="1"' : type === 'number' ? ' step="any"' : ''} value="${esc(current)}">`;
  return `<div class="array-item">${input}<button type="button" class="link" data-remove-item>Remove</button></div>`;
}

// ── reading and checking ─────────────────────────────────────────────────────────────────────
/**
 * @param {ParentNode} root
 * @param {FieldSchema} schema
 * @param {unknown} base
 * @param {string} path
 * @param {Issue[]} issues
 * @returns {Record<string, unknown>}
 */
function readObject(root, schema, base, path, issues) {
  /** @type {Record<string, unknown>} */
  const out = isObject(base) ? { ...base } : {};
  const required = new Set(schema.required || []);
  for (const [name, s] of Object.entries(schema.properties || {})) {
    const at = `${path}.${name}`;
    const v = readField(root, s, out[name], at, required.has(name), issues);
    if (v === undefined) delete out[name];
    else out[name] = v;
  }
  return out;
}

/**
 * The field's value (`undefined`: left empty), with its problems added to `issues`.
 * @param {ParentNode} root
 * @param {FieldSchema} raw
 * @param {unknown} base
 * @param {string} path
 * @param {boolean} required
 * @param {Issue[]} issues
 * @returns {unknown}
 */
function readField(root, raw, base, path, required, issues) {
  const s = plainType(raw) ?? raw;
  const el = root.querySelector(`#${CSS.escape(idOf(path))}`);
  /** @param {string} message */
  const problem = (message) => {
    issues.push({ path, message });
    return base;
  };
  // A nullable field left empty is null, whether required or not.
  const empty = () => (s.nullable ? null : required ? problem('Required.') : undefined);
  if (s.type === 'object' && !Array.isArray(s.enum)) return readObject(root, s, base, path, issues);
  if (Array.isArray(s.enum)) {
    const index = /** @type {HTMLSelectElement | null} */ (el)?.value ?? '';
    if (index === '') return s.nullable ? null : required ? problem('Choose one.') : undefined;
    return s.enum[Number(index)];
  }
  if (s.type === 'boolean') return /** @type {HTMLInputElement | null} */ (el)?.checked ?? false;
  if (s.type === 'array') {
    const items = /** @type {FieldSchema} */ (s.items);
    const inputs = el ? [...el.querySelectorAll('input')] : [];
    /** @type {unknown[]} */
    const values = [];
    for (const [i, input] of inputs.entries()) {
      if (items.type === 'boolean') values.push(input.checked);
      else if (input.value.trim() !== '') {
        const parsed = scalar(items, input.value, `${path}.${i}`, issues);
        if (parsed !== undefined) values.push(parsed);
      }
    }
    if (values.length === 0 && !required && !Array.isArray(base)) return undefined;
    if (s.minItems !== undefined && values.length < s.minItems)
      return problem(`Add at least ${s.minItems} ${s.minItems === 1 ? 'item' : 'items'}.`);
    if (s.maxItems !== undefined && values.length > s.maxItems) return problem(`At most ${s.maxItems} items.`);
    return values;
  }
  const text = /** @type {HTMLInputElement | null} */ (el)?.value ?? '';
  // Empty is "not given" (a string of spaces is text; a number of spaces is nothing).
  if (text === '' || (s.type !== 'string' && text.trim() === '')) return empty();
  const parsed = scalar(s, text, path, issues);
  return parsed === undefined ? base : parsed;
}

/**
 * A number or a string from an input, checked against its schema (`undefined`: it is wrong).
 * @param {FieldSchema} s
 * @param {string} raw
 * @param {string} path
 * @param {Issue[]} issues
 * @returns {unknown}
 */
function scalar(s, raw, path, issues) {
  /** @param {string} message */
  const problem = (message) => {
    issues.push({ path, message });
    return undefined;
  };
  if (s.type === 'integer' || s.type === 'number') {
    const n = Number(raw.trim());
    if (!Number.isFinite(n)) return problem(s.type === 'integer' ? 'Enter a whole number.' : 'Enter a number.');
    if (s.type === 'integer' && !Number.isInteger(n)) return problem('Enter a whole number.');
    if (s.minimum !== undefined && n < s.minimum) return problem(`Must be at least ${s.minimum}.`);
    if (s.exclusiveMinimum !== undefined && n <= s.exclusiveMinimum)
      return problem(`Must be more than ${s.exclusiveMinimum}.`);
    if (s.maximum !== undefined && n > s.maximum) return problem(`Must be at most ${s.maximum}.`);
    if (s.exclusiveMaximum !== undefined && n >= s.exclusiveMaximum)
      return problem(`Must be less than ${s.exclusiveMaximum}.`);
    return n;
  }
  const length = [...raw].length;
  if (s.minLength !== undefined && length < s.minLength)
    return problem(s.minLength === 1 ? 'Required.' : `Enter at least ${s.minLength} characters.`);
  if (s.maxLength !== undefined && length > s.maxLength) return problem(`At most ${s.maxLength} characters.`);
  if (s.pattern !== undefined && !matches(s.pattern, raw)) return problem('Not in the expected format.');
  return raw;
}

/**
 * Whether `text` matches a schema's pattern; a pattern this browser cannot read passes (the
 * server, which runs every pattern in RE2, decides).
 * @param {string} pattern
 * @param {string} text
 */
function matches(pattern, text) {
  try {
    return new RegExp(pattern, 'u').test(text);
  } catch {
    return true;
  }
}

// ── small helpers ────────────────────────────────────────────────────────────────────────────
/**
 * The schema with one plain type: `type: ["number", "null"]` (a nullable field, as zod's
 * `.nullable()` writes it) becomes `type: "number"` with `nullable: true`; `null` for a union
 * the form does not draw.
 * @param {FieldSchema} s
 * @returns {(FieldSchema & { nullable?: boolean }) | null}
 */
function plainType(s) {
  if (!Array.isArray(s.type)) return s;
  const types = s.type.filter((t) => t !== 'null');
  if (types.length !== 1 || types.length === s.type.length) return null;
  return { ...s, type: types[0], nullable: true };
}

/**
 * @param {unknown} v
 * @returns {v is Record<string, any>}
 */
function isObject(v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * @param {string} type
 * @param {unknown} v
 */
function typeFits(type, v) {
  if (type === 'integer') return Number.isInteger(v);
  if (type === 'number') return typeof v === 'number' && Number.isFinite(v);
  return typeof v === type;
}

/**
 * @param {unknown} a
 * @param {unknown} b
 */
function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * A field's element id from its path: `args.to` → `arg-to`; other characters are encoded, so
 * every path has its own id.
 * @param {string} path
 */
function idOf(path) {
  return `arg-${path
    .split('.')
    .slice(1)
    .map((part) => part.replace(/[^A-Za-z0-9_]/g, (c) => `-${c.charCodeAt(0).toString(16)}-`))
    .join('--')}`;
}
