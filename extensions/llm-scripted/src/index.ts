import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { defineExtension, LlmProviderError, type HostApi, type LlmRequest } from '@cinatra/sdk';
import { parseScript, ScriptError, type Script } from './script.js';
import { ScriptReplayer, streamOf, textDeltas, type Outcome } from './scriptReplayer.js';

/**
 * The `scripted` LLM provider: deterministic answers with no vendor and no key, so demos and tests
 * run offline. It replays a script of rules (see the README, "Script format"): the operator's
 * script file in the extension's storage directory first, then the demo script bundled in the
 * package, then a built-in echo. Same script, same requests: same answers, byte for byte.
 */
export default defineExtension({
  async activate(host, context) {
    const demo = parseScript(
      JSON.parse(await readFile(join(context.packageDir, 'script', 'demo.json'), 'utf8')),
      'script/demo.json (bundled)',
    );
    const operatorScript = operatorScriptLoader(host);
    const replayer = new ScriptReplayer();
    const answer = async (request: LlmRequest): Promise<Outcome> => {
      const own = await operatorScript();
      const outcome = replayer.answer(request, [
        ...(own ? [own] : []),
        ...(host.settings.demoScript === false ? [] : [demo]),
      ]);
      host.log.debug('scripted answer', { rule: outcome.rule });
      return outcome;
    };
    const delayMs = Math.max(0, Number(host.settings.streamDelayMs) || 0);

    return {
      llmProviders: {
        scripted: {
          async generate(request) {
            const outcome = await answer(request);
            if ('failure' in outcome) throw outcome.failure;
            return outcome.response;
          },
          async *stream(request, call) {
            const outcome = await answer(request);
            if ('failure' in outcome) {
              const partial = outcome.partial
                ? textDeltas(outcome.partial.text).slice(0, outcome.afterDeltas)
                : [];
              for (const text of partial) {
                if (delayMs > 0) await sleep(delayMs, undefined, { signal: call.signal });
                yield { type: 'text-delta', text };
              }
              throw outcome.failure;
            }
            for (const event of streamOf(outcome.response)) {
              if (delayMs > 0 && event.type === 'text-delta')
                await sleep(delayMs, undefined, { signal: call.signal });
              yield event;
            }
          },
        },
      },
    };
  },
});

/**
 * Reads the operator's script (the `scriptFile` setting, a path inside the storage directory),
 * again only when the file changed; null when there is none. A broken script fails the call with
 * `invalid_request` naming the file, the rule and the problem.
 */
function operatorScriptLoader(host: HostApi): () => Promise<Script | null> {
  let cached: { version: string; script: Script } | null = null;
  return async () => {
    const dir = host.storage.dir;
    const name = String(host.settings.scriptFile ?? '');
    if (!dir || name === '') return null;
    const file = resolve(dir, name);
    const inside = relative(dir, file);
    if (inside.startsWith('..') || isAbsolute(inside)) {
      throw new LlmProviderError(`scriptFile "${name}" must be a path inside the storage directory`, {
        kind: 'invalid_request',
        vendorCode: 'script_invalid',
      });
    }
    const info = await stat(file).catch(() => null);
    if (!info) return null;
    const version = `${info.mtimeMs}:${info.size}`;
    if (cached?.version === version) return cached.script;
    try {
      const script = parseScript(JSON.parse(await readFile(file, 'utf8')), name);
      cached = { version, script };
      return script;
    } catch (error) {
      const why = error instanceof ScriptError ? error.message : `${name}: ${(error as Error).message}`;
      throw new LlmProviderError(`The scripted provider's script is not valid: ${why}`, {
        kind: 'invalid_request',
        vendorCode: 'script_invalid',
      });
    }
  };
}
