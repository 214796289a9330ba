import { createHash } from 'node:crypto';

/** The strictest vendor rule for function names (OpenAI, Anthropic, Gemini all accept these). */
export const LLM_FUNCTION_NAME_PATTERN = '^[A-Za-z0-9_-]{1,64}$';

const LEGAL = new RegExp(LLM_FUNCTION_NAME_PATTERN);
const MAX_LENGTH = 64;

/** Both directions of one call's MCP tool names ↔ the function names the model sees. */
export interface LlmToolNameMap {
  toFunction: ReadonlyMap<string, string>;
  toMcp: ReadonlyMap<string, string>;
}

/**
 * Function names for MCP tools (`^[A-Za-z0-9._-]{1,128}$`) that vendors accept
 * (`^[A-Za-z0-9_-]{1,64}$`). The readable form replaces each dot with an underscore
 * (`extensions.install` → `extensions_install`). That form is not one-to-one (`a.b` and `a_b`
 * meet) and may be too long, so a name whose readable form is too long, is taken by a caller's
 * function (`reserved`) or is shared with another MCP tool of the call gets a suffix of eight hex
 * digits of its MCP name's SHA-256, cut to fit. The result depends only on the names given, so
 * the same tools get the same names in every round, and the returned map turns a model's call
 * back into the MCP name.
 */
export function mapToolNames(mcpNames: readonly string[], reserved: ReadonlySet<string>): LlmToolNameMap {
  const unique = [...new Set(mcpNames)].sort();
  const readable = new Map(unique.map((name) => [name, name.replaceAll('.', '_')]));
  const counts = new Map<string, number>();
  for (const form of readable.values()) counts.set(form, (counts.get(form) ?? 0) + 1);

  const toFunction = new Map<string, string>();
  const toMcp = new Map<string, string>();
  for (const name of unique) {
    const form = readable.get(name)!;
    let fn =
      form.length <= MAX_LENGTH && counts.get(form) === 1 && !reserved.has(form) && LEGAL.test(form)
        ? form
        : hashed(name, form);
    // A hashed name can in principle meet a reserved or already used one; lengthen the digest then.
    for (let digits = 12; reserved.has(fn) || toMcp.has(fn); digits += 4) {
      if (digits > 48) throw new Error(`No free function name for MCP tool ${name}.`);
      fn = hashed(name, form, digits);
    }
    toFunction.set(name, fn);
    toMcp.set(fn, name);
  }
  return { toFunction, toMcp };
}

function hashed(name: string, form: string, digits = 8): string {
  const digest = createHash('sha256').update(name).digest('hex').slice(0, digits);
  const head = form.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, MAX_LENGTH - digits - 1);
  return `${head}_${digest}`;
}
