/**
 * Pure helpers for forms the host renders from a JSON Schema an extension (or an agent)
 * declares. The schema is data from a package, not code: everything here is defensive —
 * an odd or hostile schema gives a JSON fallback field or no check, never an exception.
 *
 * - `fieldsOf(schema)`: what to render for each property (kind, label, hint, limits, options).
 * - `defaultsOf(schema)`: the declared defaults, nested objects included.
 * - `applyDefaults(schema, value)`: `value` with the defaults filled in where it has none.
 * - `validateAgainstSchema(schema, value)`: failed checks as `{ "address.city": "message" }`.
 * - `coerce(schema, text)`: what a text control's string means for the property's type.
 */

export type JsonType = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'null';

/** The subset of JSON Schema (draft 2020-12) the form understands; other keywords are ignored. */
export interface JsonSchema {
  type?: JsonType | JsonType[];
  title?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  readOnly?: boolean;
  writeOnly?: boolean;
  /** Cinatra: the value names a secret in the secret store, never the secret itself. */
  'x-cinatra-secret'?: boolean;
  [keyword: string]: unknown;
}

export type FieldKind =
  /** One-line text (`inputType` says text, url, email or password). */
  | 'text'
  /** Multi-line text (`maxLength` over 200 or format "textarea"). */
  | 'textarea'
  | 'number'
  | 'boolean'
  /** One of `options` (enum, or oneOf/anyOf of consts). */
  | 'select'
  /** Any of `options`: an array of enum values, as a group of checkboxes. */
  | 'checkboxes'
  /** An array of strings or numbers, one per line. */
  | 'lines'
  /** A nested object: a fieldset of `fields`. */
  | 'object'
  /** A shape the form does not render: its value as JSON text. */
  | 'json';

export interface FieldOption {
  /** The option's control value: the JSON text of `raw` (so 1 and "1" stay apart). */
  value: string;
  label: string;
  /** The schema value the option stands for. */
  raw: unknown;
}

export interface FieldSpec {
  /** The property's name. */
  key: string;
  /** Dotted path from the root, e.g. "address.city" (the key of errors). */
  path: string;
  kind: FieldKind;
  label: string;
  /** The schema's description, if any. */
  description?: string;
  required: boolean;
  schema: JsonSchema;
  /** The primary JSON type (a nullable type is its non-null part). */
  type?: JsonType;
  inputType?: 'text' | 'url' | 'email' | 'password';
  /** The value names a secret (`x-cinatra-secret`). */
  secret?: boolean;
  readOnly?: boolean;
  options?: FieldOption[];
  /** For `lines`: the type of each line. */
  itemType?: 'string' | 'number' | 'integer';
  min?: number;
  max?: number;
  step?: number | 'any';
  default?: unknown;
  /** For `object`. */
  fields?: FieldSpec[];
  /** Why a field fell back to JSON. */
  note?: string;
}

/** Nested objects deeper than this are edited as JSON (a schema cannot make the page recurse forever). */
const MAX_DEPTH = 8;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const ACRONYMS = new Map(
  [
    'url',
    'uri',
    'id',
    'api',
    'http',
    'https',
    'llm',
    'mcp',
    'ip',
    'json',
    'sql',
    'ssh',
    'tls',
    'dns',
    'ui',
  ].map((word) => [word, word.toUpperCase()]),
);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The schema as a schema object, or an empty one (anything goes) for junk. */
function asSchema(value: unknown): JsonSchema {
  return isRecord(value) ? (value as JsonSchema) : {};
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value : undefined;
}

function finite(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

const JSON_TYPES: readonly JsonType[] = ['string', 'number', 'integer', 'boolean', 'object', 'array', 'null'];

/** The declared types, or none. */
function typesOf(schema: JsonSchema): JsonType[] {
  const declared = Array.isArray(schema.type) ? schema.type : schema.type === undefined ? [] : [schema.type];
  return declared.filter((t): t is JsonType => JSON_TYPES.includes(t as JsonType));
}

/** The one non-null type, inferred from other keywords when `type` is missing. */
export function primaryType(schema: JsonSchema): JsonType | undefined {
  const types = typesOf(schema).filter((t) => t !== 'null');
  if (types.length === 1) return types[0];
  if (types.length > 1) return undefined;
  if (isRecord(schema.properties)) return 'object';
  if (isRecord(schema.items)) return 'array';
  return undefined;
}

function allowsNull(schema: JsonSchema): boolean {
  return typesOf(schema).includes('null');
}

/** "baseUrl", "base_url", "base-url" → "Base URL". */
export function humanise(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[\s_.-]+/)
    .filter(Boolean)
    .map((word) => ACRONYMS.get(word.toLowerCase()) ?? word.toLowerCase());
  if (words.length === 0) return key;
  const [first, ...rest] = words as [string, ...string[]];
  return [first.charAt(0).toUpperCase() + first.slice(1), ...rest].join(' ');
}

/** The choices a schema allows, from `enum` or from a oneOf/anyOf of `const`s with titles. */
export function optionsOf(schema: JsonSchema): FieldOption[] | undefined {
  if (Array.isArray(schema.enum) && schema.enum.length > 0) {
    const names = Array.isArray(schema['x-enumNames'])
      ? (schema['x-enumNames'] as unknown[])
      : Array.isArray(schema.enumNames)
        ? (schema.enumNames as unknown[])
        : [];
    return schema.enum
      .filter((raw) => raw !== null && typeof raw !== 'object')
      .map((raw) => {
        const index = schema.enum!.indexOf(raw);
        return { value: JSON.stringify(raw), label: text(names[index]) ?? String(raw), raw };
      });
  }
  const alternatives = Array.isArray(schema.oneOf)
    ? schema.oneOf
    : Array.isArray(schema.anyOf)
      ? schema.anyOf
      : null;
  if (alternatives && alternatives.length > 0) {
    const consts = alternatives.map(asSchema);
    const withValues = consts.filter((alt) => 'const' in alt && alt.const !== null);
    if (withValues.length !== consts.length) return undefined;
    if (withValues.some((alt) => typeof alt.const === 'object')) return undefined;
    return withValues.map((alt) => ({
      value: JSON.stringify(alt.const),
      label: text(alt.title) ?? String(alt.const),
      raw: alt.const,
    }));
  }
  return undefined;
}

function requiredOf(schema: JsonSchema): Set<string> {
  return new Set(Array.isArray(schema.required) ? schema.required.filter((r) => typeof r === 'string') : []);
}

function propertiesOf(schema: JsonSchema): Array<[string, JsonSchema]> {
  if (!isRecord(schema.properties)) return [];
  return Object.entries(schema.properties)
    .filter(([key]) => !FORBIDDEN_KEYS.has(key))
    .map(([key, sub]) => [key, asSchema(sub)]);
}

function fieldOf(key: string, schema: JsonSchema, path: string, required: boolean, depth: number): FieldSpec {
  const type = primaryType(schema);
  const base: FieldSpec = {
    key,
    path,
    kind: 'json',
    label: text(schema.title) ?? humanise(key),
    required,
    schema,
    ...(type ? { type } : {}),
    ...(text(schema.description) ? { description: schema.description } : {}),
    ...(schema.default !== undefined ? { default: schema.default } : {}),
    ...(schema.readOnly === true ? { readOnly: true } : {}),
  };
  const json = (note: string): FieldSpec => ({ ...base, kind: 'json', note });

  const options = optionsOf(schema);
  if (options && type !== 'array' && type !== 'object') {
    return options.length > 0 ? { ...base, kind: 'select', options } : json('It declares no choices.');
  }

  switch (type) {
    case 'string': {
      const secret = schema['x-cinatra-secret'] === true;
      const multiline =
        !secret &&
        (schema.format === 'textarea' || (finite(schema.maxLength) ?? 0) > 200) &&
        !schema.writeOnly;
      const inputType = schema.writeOnly
        ? 'password'
        : schema.format === 'uri' || schema.format === 'url'
          ? 'url'
          : schema.format === 'email'
            ? 'email'
            : 'text';
      return {
        ...base,
        kind: multiline ? 'textarea' : 'text',
        inputType: multiline ? 'text' : inputType,
        ...(secret ? { secret: true } : {}),
      };
    }
    case 'number':
    case 'integer': {
      const min = finite(schema.minimum) ?? finite(schema.exclusiveMinimum);
      const max = finite(schema.maximum) ?? finite(schema.exclusiveMaximum);
      const multipleOf = finite(schema.multipleOf);
      return {
        ...base,
        kind: 'number',
        ...(min !== undefined ? { min } : {}),
        ...(max !== undefined ? { max } : {}),
        step: multipleOf && multipleOf > 0 ? multipleOf : type === 'integer' ? 1 : 'any',
      };
    }
    case 'boolean':
      return { ...base, kind: 'boolean' };
    case 'array': {
      const items = asSchema(schema.items);
      const itemOptions = optionsOf(items);
      const itemType = primaryType(items);
      if (itemOptions && itemOptions.length > 0) return { ...base, kind: 'checkboxes', options: itemOptions };
      if (itemType === 'string' || itemType === 'number' || itemType === 'integer') {
        return { ...base, kind: 'lines', itemType };
      }
      return json('Its items are not plain text or numbers.');
    }
    case 'object': {
      const properties = propertiesOf(schema);
      if (properties.length === 0) return json('It declares no named fields.');
      if (depth >= MAX_DEPTH) return json('It is nested too deeply to show as fields.');
      return { ...base, kind: 'object', fields: fieldsAt(schema, path, depth + 1) };
    }
    default:
      return json(
        typesOf(schema).length > 1 ? 'It allows several types.' : 'Its type is not one the form can show.',
      );
  }
}

function fieldsAt(schema: JsonSchema, prefix: string, depth: number): FieldSpec[] {
  const required = requiredOf(schema);
  return propertiesOf(schema).map(([key, sub]) =>
    fieldOf(key, sub, prefix ? `${prefix}.${key}` : key, required.has(key), depth),
  );
}

/** The fields to render for an object schema's properties, in declaration order. */
export function fieldsOf(schema: JsonSchema): FieldSpec[] {
  return fieldsAt(asSchema(schema), '', 0);
}

function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/** The defaults the schema declares, for each property (nested objects included). */
export function defaultsOf(schema: JsonSchema): Record<string, unknown> {
  return defaultsAt(asSchema(schema), 0);
}

function defaultsAt(schema: JsonSchema, depth: number): Record<string, unknown> {
  const base = isRecord(schema.default) ? clone(schema.default) : {};
  const result: Record<string, unknown> = { ...base };
  if (depth > MAX_DEPTH) return result;
  for (const [key, sub] of propertiesOf(schema)) {
    if (sub.default !== undefined && !isRecord(sub.default)) {
      result[key] = clone(sub.default);
    } else if (primaryType(sub) === 'object') {
      const nested = { ...(isRecord(result[key]) ? result[key] : {}), ...defaultsAt(sub, depth + 1) };
      if (Object.keys(nested).length > 0) result[key] = nested;
    }
  }
  return result;
}

/**
 * `value` with the schema's defaults filled in where it has none (undefined), for the
 * object itself and the nested objects that are present or required (an optional object
 * left out stays out). A required boolean without a default becomes false (an unticked box
 * means false). Values present are kept as they are; returns a new object.
 */
export function applyDefaults(
  schema: JsonSchema,
  value: Record<string, unknown> | undefined,
): Record<string, unknown> {
  return fill(asSchema(schema), isRecord(value) ? value : {}, 0);
}

function fill(schema: JsonSchema, value: Record<string, unknown>, depth: number): Record<string, unknown> {
  const result: Record<string, unknown> = { ...value };
  if (depth > MAX_DEPTH) return result;
  const required = requiredOf(schema);
  for (const [key, sub] of propertiesOf(schema)) {
    let current = result[key];
    if (current === undefined && sub.default !== undefined) current = clone(sub.default);
    if (current === undefined && required.has(key) && primaryType(sub) === 'boolean') current = false;
    if (
      primaryType(sub) === 'object' &&
      (isRecord(current) || (current === undefined && required.has(key)))
    ) {
      current = fill(sub, isRecord(current) ? current : {}, depth + 1);
    }
    if (current !== undefined) result[key] = current;
  }
  return result;
}

/**
 * What a text control's string means for the schema's type: numbers for number and
 * integer, true/false for booleans, undefined for an empty number; anything that does not
 * parse stays the string (so validation can say what is wrong with it).
 */
export function coerce(schema: JsonSchema, input: string): unknown {
  const type = primaryType(asSchema(schema));
  const trimmed = input.trim();
  if (type === 'number' || type === 'integer') {
    if (trimmed === '') return undefined;
    const number = Number(trimmed);
    return Number.isFinite(number) ? number : input;
  }
  if (type === 'boolean') {
    if (trimmed === 'true') return true;
    if (trimmed === 'false') return false;
    return trimmed === '' ? undefined : input;
  }
  return input;
}

function isAbsoluteUrl(value: string): boolean {
  if (/\s/.test(value)) return false;
  try {
    const url = new URL(value);
    return (
      /^[a-z][a-z0-9+.-]*:$/i.test(url.protocol) &&
      (url.host !== '' || url.protocol === 'mailto:' || url.protocol === 'urn:')
    );
  } catch {
    return false;
  }
}

function typeMatches(type: JsonType, value: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'object':
      return isRecord(value);
    case 'array':
      return Array.isArray(value);
    case 'null':
      return value === null;
  }
}

const TYPE_MESSAGES: Record<JsonType, string> = {
  string: 'Enter text.',
  number: 'Enter a number.',
  integer: 'Enter a whole number.',
  boolean: 'Choose yes or no.',
  object: 'Enter an object (a JSON value in braces).',
  array: 'Enter a list.',
  null: 'Leave this empty.',
};

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

function choiceList(options: FieldOption[]): string {
  const labels = options.map((o) => o.label);
  return labels.length > 8 ? `${labels.slice(0, 8).join(', ')}, …` : labels.join(', ');
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** The first check a single value fails, in words; null when it passes. */
function checkValue(schema: JsonSchema, value: unknown): string | null {
  const types = typesOf(schema);
  const type = primaryType(schema);
  if (value === null)
    return allowsNull(schema) || types.length === 0 ? null : TYPE_MESSAGES[type ?? 'string'];
  if (types.length > 0 && !types.some((t) => typeMatches(t, value))) {
    // An integer is also a number: say "whole number" only when only integers will do.
    return TYPE_MESSAGES[type ?? types[0]!];
  }
  const options = optionsOf(schema);
  if (options && !Array.isArray(value) && !options.some((o) => sameValue(o.raw, value))) {
    return `Choose one of: ${choiceList(options)}.`;
  }
  if ('const' in schema && schema.const !== undefined && !options && !sameValue(schema.const, value)) {
    return `Must be ${JSON.stringify(schema.const)}.`;
  }
  if (typeof value === 'string') return checkString(schema, value);
  if (typeof value === 'number') return checkNumber(schema, value);
  if (Array.isArray(value)) return checkArray(schema, value);
  return null;
}

/** The pattern as a RegExp, or null when this browser cannot read it (the server still checks it). */
function compile(pattern: string): RegExp | null {
  for (const flags of ['u', '']) {
    try {
      return new RegExp(pattern, flags);
    } catch {
      // JSON Schema patterns are Unicode regular expressions; some are only valid without the flag.
    }
  }
  return null;
}

function checkString(schema: JsonSchema, value: string): string | null {
  const length = [...value].length;
  const minLength = finite(schema.minLength);
  const maxLength = finite(schema.maxLength);
  if (minLength !== undefined && length < minLength) return `Use at least ${plural(minLength, 'character')}.`;
  if (maxLength !== undefined && length > maxLength) return `Use at most ${plural(maxLength, 'character')}.`;
  if ((schema.format === 'uri' || schema.format === 'url') && !isAbsoluteUrl(value)) {
    return 'Enter a full URL, like https://example.com.';
  }
  if (schema.format === 'email' && !EMAIL.test(value)) return 'Enter an email address like name@example.com.';
  if (typeof schema.pattern === 'string') {
    const pattern = compile(schema.pattern);
    if (pattern && !pattern.test(value)) return `Use the expected format (${schema.pattern}).`;
  }
  return null;
}

function checkNumber(schema: JsonSchema, value: number): string | null {
  const minimum = finite(schema.minimum);
  const maximum = finite(schema.maximum);
  const exclusiveMinimum = finite(schema.exclusiveMinimum);
  const exclusiveMaximum = finite(schema.exclusiveMaximum);
  const multipleOf = finite(schema.multipleOf);
  if (minimum !== undefined && value < minimum) return `Enter ${minimum} or more.`;
  if (maximum !== undefined && value > maximum) return `Enter ${maximum} or less.`;
  if (exclusiveMinimum !== undefined && value <= exclusiveMinimum)
    return `Enter more than ${exclusiveMinimum}.`;
  if (exclusiveMaximum !== undefined && value >= exclusiveMaximum)
    return `Enter less than ${exclusiveMaximum}.`;
  if (multipleOf !== undefined && multipleOf > 0) {
    const ratio = value / multipleOf;
    if (Math.abs(ratio - Math.round(ratio)) > 1e-9) return `Enter a multiple of ${multipleOf}.`;
  }
  return null;
}

function checkArray(schema: JsonSchema, value: unknown[]): string | null {
  const minItems = finite(schema.minItems);
  const maxItems = finite(schema.maxItems);
  const items = asSchema(schema.items);
  const itemOptions = optionsOf(items);
  const noun = itemOptions ? 'choice' : 'item';
  if (minItems !== undefined && value.length < minItems) {
    return itemOptions
      ? `Choose at least ${plural(minItems, noun)}.`
      : `Enter at least ${plural(minItems, noun)}.`;
  }
  if (maxItems !== undefined && value.length > maxItems) {
    return itemOptions
      ? `Choose at most ${plural(maxItems, noun)}.`
      : `Enter at most ${plural(maxItems, noun)}.`;
  }
  if (schema.uniqueItems === true) {
    const seen = new Set(value.map((v) => JSON.stringify(v)));
    if (seen.size !== value.length) return 'Remove the duplicates: each item may appear once.';
  }
  if (isRecord(schema.items)) {
    for (const [index, item] of value.entries()) {
      const failure = checkValue(items, item);
      if (failure) return `Item ${index + 1}: ${failure}`;
    }
  }
  return null;
}

function isMissing(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

function validateAt(
  schema: JsonSchema,
  value: unknown,
  path: string,
  errors: Record<string, string>,
  depth: number,
): void {
  const failure = checkValue(schema, value);
  if (failure) {
    errors[path] = failure;
    return;
  }
  if (!isRecord(value) || depth > MAX_DEPTH) return;
  const required = requiredOf(schema);
  const declared = propertiesOf(schema);
  for (const [key, sub] of declared) {
    const childPath = path ? `${path}.${key}` : key;
    const child = value[key];
    // Absent: undefined, an empty string, or null where null is not allowed (null resets).
    if (child === undefined || child === '' || (child === null && !allowsNull(sub))) {
      if (required.has(key)) errors[childPath] = `${text(sub.title) ?? humanise(key)} is required.`;
      continue;
    }
    validateAt(sub, child, childPath, errors, depth + 1);
  }
  const names = new Set(declared.map(([key]) => key));
  for (const key of required) {
    if (!names.has(key) && !FORBIDDEN_KEYS.has(key) && isMissing(value[key])) {
      errors[path ? `${path}.${key}` : key] = `${humanise(key)} is required.`;
    }
  }
}

/**
 * Checks `value` against the schema before anything is sent: required, type, minimum/maximum
 * (and exclusive), multipleOf, minLength/maxLength, pattern, enum/const, format uri/email,
 * minItems/maxItems/uniqueItems and items, nested objects. Returns a message in words per
 * failing path ("baseUrl", "address.city"; "" for the value itself); empty when all pass.
 * An empty string counts as missing for a required property and as absent otherwise.
 */
export function validateAgainstSchema(schema: JsonSchema, value: unknown): Record<string, string> {
  const errors: Record<string, string> = {};
  validateAt(asSchema(schema), value, '', errors, 0);
  return errors;
}
