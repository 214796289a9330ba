import { parse as parseYaml, YAMLParseError } from 'yaml';
import { KernelError } from '../errors/KernelError.js';

/**
 * When a skill applies. Clauses of a skill are alternatives: any one that holds selects it.
 * `always`; the agent's id is one of `agentId`; the agent has one of the tags `agentHasTag`;
 * `llm`: the skill judge (a model named in the LLM settings) decides from the request.
 */
export type SkillMatchClause = 'always' | 'llm' | { agentId: string[] } | { agentHasTag: string[] };

/** Instructions injected into the system prompt of the calls they match. */
export interface Skill {
  /** `^[a-z0-9][a-z0-9._-]{0,63}$`, unique in the catalog: the id recorded on calls. */
  name: string;
  /** One line saying what the skill is for; the skill judge reads it. */
  description: string;
  matchWhen: SkillMatchClause[];
  /** Markdown instructions. */
  body: string;
}

export const SKILL_NAME_PATTERN = '^[a-z0-9][a-z0-9._-]{0,63}$';

const NAME = new RegExp(SKILL_NAME_PATTERN);
const FRONTMATTER = /^---[ \t]*\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/;
const MAX_DESCRIPTION = 1024;

/**
 * A skill file: YAML frontmatter between `---` lines, then the markdown body.
 *
 * ```markdown
 * ---
 * name: tone-of-voice
 * description: House style for anything customers read
 * match_when:
 *   - agent_has_tag: customer-facing
 *   - agent_id: '@acme/support-replies'
 *   - llm
 * ---
 * Write plainly. …
 * ```
 *
 * Other frontmatter fields are ignored. A malformed file is refused with `validation_failed`
 * naming `origin` (the file) and the field.
 */
export function parseSkill(text: string, origin: string): Skill {
  const match = FRONTMATTER.exec(text.replace(/^\uFEFF/, ''));
  if (!match) {
    throw skillError(origin, 'frontmatter', 'must start with YAML frontmatter between two "---" lines');
  }
  let data: unknown;
  try {
    data = parseYaml(match[1]!);
  } catch (error) {
    const reason = error instanceof YAMLParseError ? error.message.split('\n')[0] : String(error);
    throw skillError(origin, 'frontmatter', `is not valid YAML (${reason})`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw skillError(origin, 'frontmatter', 'must be a YAML mapping of name, description and match_when');
  }
  const fields = data as Record<string, unknown>;
  return validSkill(
    {
      name: fields.name as string,
      description: fields.description as string,
      matchWhen: matchClauses(fields.match_when, origin),
      body: text.slice(match[0].length),
    },
    origin,
  );
}

/** `skill`, trimmed, or `validation_failed` naming `origin` and the field. */
export function validSkill(skill: Skill, origin: string): Skill {
  if (typeof skill.name !== 'string' || !NAME.test(skill.name)) {
    throw skillError(origin, 'name', `must match ${SKILL_NAME_PATTERN} (lowercase letters, digits, . _ -)`);
  }
  if (typeof skill.description !== 'string' || skill.description.trim() === '') {
    throw skillError(origin, 'description', 'must be a non-empty string');
  }
  if (skill.description.length > MAX_DESCRIPTION) {
    throw skillError(origin, 'description', `must be at most ${MAX_DESCRIPTION} characters`);
  }
  if (!Array.isArray(skill.matchWhen) || skill.matchWhen.length === 0) {
    throw skillError(
      origin,
      'match_when',
      'must list at least one clause (always, llm, agent_id, agent_has_tag)',
    );
  }
  for (const [index, clause] of skill.matchWhen.entries()) {
    const ok =
      clause === 'always' ||
      clause === 'llm' ||
      (typeof clause === 'object' &&
        clause !== null &&
        Object.keys(clause).length === 1 &&
        Object.values(clause).every(
          (list: unknown) =>
            Array.isArray(list) && list.length > 0 && list.every((v) => typeof v === 'string' && v !== ''),
        ) &&
        ('agentId' in clause || 'agentHasTag' in clause));
    if (!ok) throw skillError(origin, `match_when[${index}]`, 'is not a valid clause');
  }
  if (typeof skill.body !== 'string' || skill.body.trim() === '') {
    throw skillError(origin, 'body', 'must hold the instructions (markdown after the frontmatter)');
  }
  return {
    name: skill.name,
    description: skill.description.trim(),
    matchWhen: skill.matchWhen,
    body: skill.body.trim(),
  };
}

function matchClauses(value: unknown, origin: string): SkillMatchClause[] {
  if (value === undefined || value === null) {
    throw skillError(
      origin,
      'match_when',
      'is required: list when the skill applies (always, llm, agent_id, agent_has_tag)',
    );
  }
  const list = Array.isArray(value) ? value : [value];
  return list.map((clause: unknown, index): SkillMatchClause => {
    const field = `match_when[${index}]`;
    if (clause === 'always' || clause === 'llm') return clause;
    if (typeof clause === 'object' && clause !== null && !Array.isArray(clause)) {
      const entries = Object.entries(clause);
      if (entries.length === 1) {
        const [key, raw] = entries[0]!;
        const values = Array.isArray(raw) ? raw : [raw];
        const valid = values.length > 0 && values.every((v) => typeof v === 'string' && v.trim() !== '');
        if (key === 'agent_id' || key === 'agent_has_tag') {
          if (!valid) throw skillError(origin, `${field}.${key}`, 'must be a string or a list of strings');
          const strings = values.map((v) => (v as string).trim());
          return key === 'agent_id' ? { agentId: strings } : { agentHasTag: strings };
        }
        throw skillError(origin, field, `has unknown key "${key}" (expected agent_id or agent_has_tag)`);
      }
    }
    throw skillError(
      origin,
      field,
      `must be always, llm, {agent_id: …} or {agent_has_tag: …}, not ${JSON.stringify(clause)}`,
    );
  });
}

function skillError(origin: string, field: string, message: string): KernelError {
  return new KernelError('validation_failed', `Skill ${origin}: ${field} ${message}.`, {
    errors: [{ path: `${origin}#${field}`, message }],
  });
}
