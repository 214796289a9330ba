import type { LoadedAgentSpec } from '../types.js';
import { componentsOf, forEachComponentValue } from '../validate/componentValues.js';
import { classifyUrl } from './classifyUrl.js';
import { finding, type ReviewFinding } from './ReviewFinding.js';

/**
 * Fields the runtime connects to: ApiNode and RemoteTool `url`, A2AAgent `agent_url`, MCP
 * transport and LLM configuration `url`, ApiNode `api_spec_uri`, and the same names in metadata
 * (`metadata.cinatra.toolboxes[].url`). Links in descriptions and prompts are not calls.
 */
const URL_FIELDS = new Set(['url', 'agent_url', 'api_spec_uri', 'base_url', 'endpoint', 'server_url']);

/** Every URL field points at the instance itself, or at a host on the allow-list. */
export function checkUrls(
  spec: LoadedAgentSpec,
  file: string,
  allowedHosts: readonly string[],
): ReviewFinding[] {
  const findings: ReviewFinding[] = [];
  for (const component of componentsOf(spec)) {
    forEachComponentValue(spec, component, ({ value, pointer, tokens }) => {
      const field = tokens.at(-1);
      if (typeof value !== 'string' || typeof field !== 'string' || !URL_FIELDS.has(field)) return;
      const target = classifyUrl(value, allowedHosts);
      switch (target.kind) {
        case 'external':
          findings.push(
            finding(
              'untrusted_external_url',
              file,
              pointer,
              `${field} points at ${target.host}, which is not on this instance's allow-list of external hosts.`,
            ),
          );
          break;
        case 'invalid':
          findings.push(
            finding(
              'untrusted_external_url',
              file,
              pointer,
              `${field} ${JSON.stringify(value.slice(0, 80))} is not a URL, so where it goes cannot be checked.`,
            ),
          );
          break;
        case 'from_input':
          findings.push(
            finding(
              'url_host_from_input',
              file,
              pointer,
              `The host of ${field} comes from a run input, so any caller decides where this request goes.`,
            ),
          );
          break;
        case 'loopback':
          findings.push(
            finding(
              'loopback_url',
              file,
              pointer,
              `${field} points at ${target.host}, which is another machine on every instance; use {{CINATRA_BASE_URL}}.`,
            ),
          );
          break;
        default:
          break;
      }
    });
  }
  return findings;
}
