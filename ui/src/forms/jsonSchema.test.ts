import { describe, expect, test } from 'vitest';
import {
  applyDefaults,
  coerce,
  defaultsOf,
  fieldsOf,
  humanise,
  optionsOf,
  validateAgainstSchema,
  type JsonSchema,
} from './jsonSchema';

const SETTINGS: JsonSchema = {
  type: 'object',
  properties: {
    baseUrl: {
      type: 'string',
      format: 'uri',
      description: 'Where the API lives',
      default: 'https://api.example.com',
    },
    tokenSecret: { type: 'string', description: 'Secret holding the token', 'x-cinatra-secret': true },
    pageSize: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
    verbose: { type: 'boolean', default: false },
  },
  required: ['baseUrl', 'tokenSecret'],
};

describe('humanise', () => {
  test.each([
    ['baseUrl', 'Base URL'],
    ['base_url', 'Base URL'],
    ['api-key', 'API key'],
    ['maxRetries', 'Max retries'],
    ['HTMLParser', 'Html parser'],
    ['llmModelId', 'LLM model ID'],
    ['x', 'X'],
  ])('%s → %s', (key, label) => expect(humanise(key)).toBe(label));

  test('keeps a key with no letters as it is', () => expect(humanise('__')).toBe('__'));
});

describe('fieldsOf', () => {
  test('maps each property to a control, in order, with labels, hints and required', () => {
    const fields = fieldsOf(SETTINGS);
    expect(fields.map((f) => [f.key, f.kind, f.label, f.required])).toEqual([
      ['baseUrl', 'text', 'Base URL', true],
      ['tokenSecret', 'text', 'Token secret', true],
      ['pageSize', 'number', 'Page size', false],
      ['verbose', 'boolean', 'Verbose', false],
    ]);
    expect(fields[0]).toMatchObject({
      inputType: 'url',
      description: 'Where the API lives',
      default: 'https://api.example.com',
    });
    expect(fields[1]).toMatchObject({ secret: true, inputType: 'text' });
    expect(fields[2]).toMatchObject({ min: 1, max: 100, step: 1, type: 'integer' });
  });

  test('prefers the title over the humanised key', () => {
    expect(
      fieldsOf({ properties: { ttl: { type: 'integer', title: 'Cache lifetime (s)' } } })[0]?.label,
    ).toBe('Cache lifetime (s)');
  });

  test('string formats and sizes pick the input', () => {
    const fields = fieldsOf({
      properties: {
        email: { type: 'string', format: 'email' },
        password: { type: 'string', writeOnly: true },
        notes: { type: 'string', maxLength: 2000 },
        body: { type: 'string', format: 'textarea' },
        short: { type: 'string', maxLength: 200 },
      },
    });
    expect(fields.map((f) => [f.kind, f.inputType])).toEqual([
      ['text', 'email'],
      ['text', 'password'],
      ['textarea', 'text'],
      ['textarea', 'text'],
      ['text', 'text'],
    ]);
  });

  test('numbers: step from multipleOf, any for decimals, exclusive bounds as limits', () => {
    const [ratio, price] = fieldsOf({
      properties: {
        ratio: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
        price: { type: 'number', multipleOf: 0.01 },
      },
    });
    expect(ratio).toMatchObject({ kind: 'number', min: 0, max: 1, step: 'any' });
    expect(price).toMatchObject({ step: 0.01 });
  });

  test('enum and oneOf of consts become a select with labels', () => {
    const [level, region, size] = fieldsOf({
      properties: {
        level: { type: 'string', enum: ['debug', 'info'] },
        region: {
          type: 'string',
          oneOf: [
            { const: 'eu', title: 'Europe' },
            { const: 'us', title: 'United States' },
          ],
        },
        size: { type: 'integer', enum: [1, 2, 3] },
      },
    });
    expect(level).toMatchObject({ kind: 'select' });
    expect(level?.options?.map((o) => o.label)).toEqual(['debug', 'info']);
    expect(region?.options?.map((o) => [o.label, o.raw])).toEqual([
      ['Europe', 'eu'],
      ['United States', 'us'],
    ]);
    expect(size?.options?.map((o) => o.raw)).toEqual([1, 2, 3]);
    // 1 and "1" are different options.
    expect(optionsOf({ enum: [1, '1'] })?.map((o) => o.value)).toEqual(['1', '"1"']);
  });

  test('arrays: enum items as checkboxes, strings and numbers one per line, objects as JSON', () => {
    const fields = fieldsOf({
      properties: {
        scopes: { type: 'array', items: { type: 'string', enum: ['read', 'write'] }, uniqueItems: true },
        hosts: { type: 'array', items: { type: 'string' } },
        ports: { type: 'array', items: { type: 'integer' } },
        rules: { type: 'array', items: { type: 'object', properties: { a: { type: 'string' } } } },
        anything: { type: 'array' },
      },
    });
    expect(fields.map((f) => f.kind)).toEqual(['checkboxes', 'lines', 'lines', 'json', 'json']);
    expect(fields[1]?.itemType).toBe('string');
    expect(fields[2]?.itemType).toBe('integer');
    expect(fields[3]?.note).toMatch(/items/);
  });

  test('nested objects become fields with dotted paths', () => {
    const [address] = fieldsOf({
      properties: {
        address: {
          type: 'object',
          title: 'Postal address',
          properties: { city: { type: 'string' }, zip: { type: 'string' } },
          required: ['city'],
        },
      },
    });
    expect(address).toMatchObject({ kind: 'object', label: 'Postal address', path: 'address' });
    expect(address?.fields?.map((f) => [f.path, f.required])).toEqual([
      ['address.city', true],
      ['address.zip', false],
    ]);
  });

  test('nullable types count as their non-null type', () => {
    expect(fieldsOf({ properties: { name: { type: ['string', 'null'] } } })[0]?.kind).toBe('text');
  });

  test('unsupported shapes fall back to JSON with a reason', () => {
    const fields = fieldsOf({
      properties: {
        mixed: { type: ['string', 'number'] },
        untyped: {},
        ref: { $ref: '#/definitions/x' },
        map: { type: 'object', additionalProperties: { type: 'string' } },
        weird: { type: 'date' as never },
      },
    });
    expect(fields.every((f) => f.kind === 'json')).toBe(true);
    expect(fields[0]?.note).toMatch(/several types/);
    expect(fields[3]?.note).toMatch(/no named fields/);
  });

  test('never throws on junk', () => {
    expect(fieldsOf(null as never)).toEqual([]);
    expect(fieldsOf({ properties: 'nope' as never })).toEqual([]);
    expect(fieldsOf({ properties: { a: null as never, b: 7 as never } }).map((f) => f.kind)).toEqual([
      'json',
      'json',
    ]);
    expect(fieldsOf({ properties: { a: { enum: [] } } })[0]?.kind).toBe('json');
    expect(fieldsOf({ properties: { a: { type: 'string' } }, required: 'a' as never })[0]?.required).toBe(
      false,
    );
  });

  test('ignores keys that would reach the prototype', () => {
    const schema = JSON.parse(
      '{"properties":{"__proto__":{"type":"string"},"ok":{"type":"string"}}}',
    ) as JsonSchema;
    expect(fieldsOf(schema).map((f) => f.key)).toEqual(['ok']);
  });

  test('stops nesting at a sane depth', () => {
    let schema: JsonSchema = { type: 'object', properties: { leaf: { type: 'string' } } };
    for (let i = 0; i < 20; i++) schema = { type: 'object', properties: { deeper: schema } };
    let fields = fieldsOf(schema);
    let depth = 0;
    while (fields[0]?.kind === 'object') {
      fields = fields[0].fields ?? [];
      depth++;
    }
    expect(depth).toBeLessThanOrEqual(9);
    expect(fields[0]?.kind).toBe('json');
  });
});

describe('defaultsOf and applyDefaults', () => {
  const schema: JsonSchema = {
    type: 'object',
    properties: {
      pageSize: { type: 'integer', default: 20 },
      tags: { type: 'array', items: { type: 'string' }, default: ['a'] },
      retry: {
        type: 'object',
        properties: { attempts: { type: 'integer', default: 3 }, backoff: { type: 'boolean' } },
        required: ['backoff'],
      },
      proxy: {
        type: 'object',
        properties: { port: { type: 'integer', default: 8080 }, host: { type: 'string' } },
      },
      enabled: { type: 'boolean' },
      strict: { type: 'boolean' },
      name: { type: 'string' },
    },
    required: ['retry', 'strict'],
  };

  test('defaultsOf lists the declared defaults, nested ones included', () => {
    expect(defaultsOf(schema)).toEqual({
      pageSize: 20,
      tags: ['a'],
      retry: { attempts: 3 },
      proxy: { port: 8080 },
    });
    expect(
      defaultsOf({
        properties: { o: { type: 'object', default: { a: 1 }, properties: { b: { default: 2 } } } },
      }),
    ).toEqual({
      o: { a: 1, b: 2 },
    });
  });

  test('applyDefaults fills what is missing, keeps what is there, leaves optional objects out', () => {
    const value = { pageSize: 50, name: 'x' };
    const filled = applyDefaults(schema, value);
    expect(filled).toEqual({
      pageSize: 50,
      name: 'x',
      tags: ['a'],
      retry: { attempts: 3, backoff: false },
      strict: false,
    });
    expect(value).toEqual({ pageSize: 50, name: 'x' }); // not mutated
    expect(applyDefaults(schema, { proxy: { host: 'h' } }).proxy).toEqual({ host: 'h', port: 8080 });
  });

  test('applyDefaults copies defaults (editing the result never changes the schema)', () => {
    const filled = applyDefaults(schema, {});
    (filled.tags as string[]).push('b');
    expect((schema.properties?.tags?.default as string[]).length).toBe(1);
  });

  test('applyDefaults tolerates a missing value and junk schemas', () => {
    expect(applyDefaults({ properties: { a: { default: 1 } } }, undefined)).toEqual({ a: 1 });
    expect(applyDefaults(null as never, { a: 1 })).toEqual({ a: 1 });
  });
});

describe('coerce', () => {
  test('numbers', () => {
    expect(coerce({ type: 'number' }, '1.5')).toBe(1.5);
    expect(coerce({ type: 'integer' }, ' 42 ')).toBe(42);
    expect(coerce({ type: 'number' }, '')).toBeUndefined();
    expect(coerce({ type: 'number' }, '  ')).toBeUndefined();
    expect(coerce({ type: 'number' }, '12abc')).toBe('12abc');
    expect(coerce({ type: 'integer' }, '1e3')).toBe(1000);
    expect(coerce({ type: ['number', 'null'] }, '3')).toBe(3);
  });

  test('booleans and strings', () => {
    expect(coerce({ type: 'boolean' }, 'true')).toBe(true);
    expect(coerce({ type: 'boolean' }, 'false')).toBe(false);
    expect(coerce({ type: 'boolean' }, '')).toBeUndefined();
    expect(coerce({ type: 'string' }, ' 42 ')).toBe(' 42 ');
    expect(coerce({}, 'x')).toBe('x');
  });
});

describe('validateAgainstSchema', () => {
  const valid = {
    baseUrl: 'https://api.example.com/v1',
    tokenSecret: 'github-token',
    pageSize: 10,
    verbose: true,
  };

  test('passes a valid value', () => {
    expect(validateAgainstSchema(SETTINGS, valid)).toEqual({});
  });

  test('required: missing, empty text and null all count as missing', () => {
    expect(validateAgainstSchema(SETTINGS, {})).toEqual({
      baseUrl: 'Base URL is required.',
      tokenSecret: 'Token secret is required.',
    });
    expect(validateAgainstSchema(SETTINGS, { ...valid, baseUrl: '', tokenSecret: null })).toEqual({
      baseUrl: 'Base URL is required.',
      tokenSecret: 'Token secret is required.',
    });
  });

  test('optional: empty text and null are absent, not wrong', () => {
    expect(validateAgainstSchema(SETTINGS, { ...valid, pageSize: null })).toEqual({});
    expect(
      validateAgainstSchema({ properties: { name: { type: 'string', minLength: 3 } } }, { name: '' }),
    ).toEqual({});
  });

  test('required names a title when there is one, and properties only listed in required', () => {
    expect(
      validateAgainstSchema({ properties: { a: { title: 'The A' } }, required: ['a', 'extraKey'] }, {}),
    ).toEqual({ a: 'The A is required.', extraKey: 'Extra key is required.' });
  });

  test('types', () => {
    const schema: JsonSchema = {
      properties: {
        s: { type: 'string' },
        n: { type: 'number' },
        i: { type: 'integer' },
        b: { type: 'boolean' },
        o: { type: 'object' },
        a: { type: 'array' },
      },
    };
    expect(validateAgainstSchema(schema, { s: 1, n: 'abc', i: 1.5, b: 'yes', o: [], a: {} })).toEqual({
      s: 'Enter text.',
      n: 'Enter a number.',
      i: 'Enter a whole number.',
      b: 'Choose yes or no.',
      o: 'Enter an object (a JSON value in braces).',
      a: 'Enter a list.',
    });
    expect(validateAgainstSchema(schema, { n: 3, i: 3 })).toEqual({});
    expect(validateAgainstSchema({ properties: { n: { type: 'number' } } }, { n: Number.NaN })).toEqual({
      n: 'Enter a number.',
    });
  });

  test('nullable types accept null', () => {
    expect(
      validateAgainstSchema(
        { properties: { a: { type: ['string', 'null'] } }, required: ['a'] },
        { a: null },
      ),
    ).toEqual({});
  });

  test('number limits', () => {
    const schema: JsonSchema = {
      properties: {
        min: { type: 'integer', minimum: 1 },
        max: { type: 'integer', maximum: 10 },
        xmin: { type: 'number', exclusiveMinimum: 0 },
        xmax: { type: 'number', exclusiveMaximum: 1 },
        step: { type: 'number', multipleOf: 0.5 },
      },
    };
    expect(validateAgainstSchema(schema, { min: 0, max: 11, xmin: 0, xmax: 1, step: 0.3 })).toEqual({
      min: 'Enter 1 or more.',
      max: 'Enter 10 or less.',
      xmin: 'Enter more than 0.',
      xmax: 'Enter less than 1.',
      step: 'Enter a multiple of 0.5.',
    });
    expect(validateAgainstSchema(schema, { min: 1, max: 10, xmin: 0.1, xmax: 0.9, step: 1.5 })).toEqual({});
    expect(validateAgainstSchema({ properties: { p: { multipleOf: 0.01 } } }, { p: 19.99 })).toEqual({});
  });

  test('string lengths, pattern and formats', () => {
    const schema: JsonSchema = {
      properties: {
        short: { type: 'string', minLength: 3 },
        long: { type: 'string', maxLength: 5 },
        one: { type: 'string', maxLength: 1 },
        slug: { type: 'string', pattern: '^[a-z-]+$' },
        url: { type: 'string', format: 'uri' },
        mail: { type: 'string', format: 'email' },
      },
    };
    expect(
      validateAgainstSchema(schema, {
        short: 'ab',
        long: 'abcdef',
        one: 'ab',
        slug: 'Not Ok',
        url: 'example.com',
        mail: 'nope',
      }),
    ).toEqual({
      short: 'Use at least 3 characters.',
      long: 'Use at most 5 characters.',
      one: 'Use at most 1 character.',
      slug: 'Use the expected format (^[a-z-]+$).',
      url: 'Enter a full URL, like https://example.com.',
      mail: 'Enter an email address like name@example.com.',
    });
    expect(
      validateAgainstSchema(schema, {
        short: 'abc',
        long: 'abcde',
        slug: 'ok-slug',
        url: 'https://example.com/path?q=1',
        mail: 'ada@example.com',
      }),
    ).toEqual({});
  });

  test('counts characters, not UTF-16 units', () => {
    expect(
      validateAgainstSchema({ properties: { e: { type: 'string', maxLength: 2 } } }, { e: '😀😀' }),
    ).toEqual({});
  });

  test('rejects URLs without a host and with spaces', () => {
    const schema: JsonSchema = { properties: { u: { type: 'string', format: 'uri' } } };
    expect(validateAgainstSchema(schema, { u: 'localhost:8080' }).u).toBeDefined();
    expect(validateAgainstSchema(schema, { u: 'https://exa mple.com' }).u).toBeDefined();
    expect(validateAgainstSchema(schema, { u: 'http://localhost:8080' })).toEqual({});
  });

  test('a pattern the browser cannot read is left to the server', () => {
    expect(
      validateAgainstSchema({ properties: { a: { type: 'string', pattern: '(' } } }, { a: 'x' }),
    ).toEqual({});
  });

  test('enum and const', () => {
    const schema: JsonSchema = {
      properties: {
        level: { enum: ['debug', 'info'] },
        region: {
          oneOf: [
            { const: 'eu', title: 'Europe' },
            { const: 'us', title: 'United States' },
          ],
        },
        fixed: { const: 'v1' },
      },
    };
    expect(validateAgainstSchema(schema, { level: 'trace', region: 'apac', fixed: 'v2' })).toEqual({
      level: 'Choose one of: debug, info.',
      region: 'Choose one of: Europe, United States.',
      fixed: 'Must be "v1".',
    });
    expect(validateAgainstSchema(schema, { level: 'info', region: 'eu', fixed: 'v1' })).toEqual({});
  });

  test('arrays: count, uniqueness and each item', () => {
    const schema: JsonSchema = {
      properties: {
        scopes: { type: 'array', items: { enum: ['read', 'write'] }, minItems: 1, uniqueItems: true },
        hosts: { type: 'array', items: { type: 'string', format: 'uri' }, maxItems: 2 },
        ports: { type: 'array', items: { type: 'integer', maximum: 65535 } },
      },
    };
    expect(
      validateAgainstSchema(schema, {
        scopes: [],
        hosts: ['https://a.example', 'nope', 'x'],
        ports: [80, 70000],
      }),
    ).toEqual({
      scopes: 'Choose at least 1 choice.',
      hosts: 'Enter at most 2 items.',
      ports: 'Item 2: Enter 65535 or less.',
    });
    expect(validateAgainstSchema(schema, { scopes: ['read', 'read'] })).toEqual({
      scopes: 'Remove the duplicates: each item may appear once.',
    });
    expect(validateAgainstSchema(schema, { scopes: ['admin'] })).toEqual({
      scopes: 'Item 1: Choose one of: read, write.',
    });
    expect(validateAgainstSchema(schema, { hosts: ['nope'] })).toEqual({
      hosts: 'Item 1: Enter a full URL, like https://example.com.',
    });
  });

  test('nested objects report dotted paths', () => {
    const schema: JsonSchema = {
      properties: {
        address: {
          type: 'object',
          properties: { city: { type: 'string' }, zip: { type: 'string', pattern: '^[0-9]{5}$' } },
          required: ['city'],
        },
      },
      required: ['address'],
    };
    expect(validateAgainstSchema(schema, {})).toEqual({ address: 'Address is required.' });
    expect(validateAgainstSchema(schema, { address: { zip: '12' } })).toEqual({
      'address.city': 'City is required.',
      'address.zip': 'Use the expected format (^[0-9]{5}$).',
    });
    expect(validateAgainstSchema(schema, { address: { city: 'Berlin', zip: '10115' } })).toEqual({});
  });

  test('the value itself has the path ""', () => {
    expect(validateAgainstSchema({ type: 'object' }, 'nope')).toEqual({
      '': 'Enter an object (a JSON value in braces).',
    });
  });

  test('never throws on junk', () => {
    expect(validateAgainstSchema(null as never, { a: 1 })).toEqual({});
    expect(validateAgainstSchema({ properties: { a: 5 as never } }, { a: 1 })).toEqual({});
    expect(validateAgainstSchema({ minimum: 'x' as never, type: 'number' }, 3)).toEqual({});
  });
});
