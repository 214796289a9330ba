import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { delay, inject, injectable, type InjectionToken } from 'tsyringe';
import { CONFIG, type CinatraConfig } from '../config/CinatraConfig.js';
import { KernelError } from '../errors/KernelError.js';
import { LOGGER, type Logger } from '../logging/Logger.js';
import { LlmOrchestrator } from './LlmOrchestrator.js';
import { LLM_SETTINGS, type LlmSettings } from './LlmSettings.js';
import { parseSkill, validSkill, type Skill } from './Skill.js';
import type { LlmAgentContext, LlmCallOptions } from './types.js';

/** A skill in the catalog and where it came from. */
export interface SkillEntry extends Skill {
  /** `directory` for the skills directory, else what `add` was given (an extension's package name, say). */
  source: string;
  /** The file it was read from (directory skills). */
  path?: string;
}

/** A skill file of the directory that could not be loaded. */
export interface SkillProblem {
  path: string;
  message: string;
}

/** What a call is about, for matching: its messages and instructions, and what to bill a judge call to. */
export type SkillMatchRequest = Pick<
  LlmCallOptions,
  'messages' | 'system' | 'runId' | 'organizationId' | 'signal'
>;

const DIRECTORY = 'directory';
const SKILL_FILE = 'SKILL.md';
/** How much of the request the judge reads (characters of the system prompt and the last user message). */
const JUDGE_EXCERPT = 4000;
const JUDGE_FAILURES = new Set(['llm_provider_error', 'llm_invalid_output', 'llm_timeout', 'not_found']);

/**
 * The skills the orchestrator injects into system prompts. Two sources: the skills directory
 * (`<dataDir>/skills/<name>/SKILL.md` unless `useDirectory` says otherwise; read on first use
 * and on `reload`) and `add(skill, source)` (the host adds the skills of enabled extensions).
 * See `README.md` beside this file for the file format and the matching rules.
 */
@injectable()
export class SkillCatalog {
  private directory: string | null;
  private directorySkills: Map<string, SkillEntry> | null = null;
  private problems: SkillProblem[] = [];
  private loading: Promise<void> | null = null;
  private readonly added = new Map<string, SkillEntry>();
  private readonly shadowWarned = new Set<string>();

  constructor(
    @inject(CONFIG) config: CinatraConfig,
    @inject(LOGGER) private readonly logger: Logger,
    @inject(LLM_SETTINGS) private readonly settings: LlmSettings,
    // Lazy, both ways: the orchestrator needs the catalog, and the catalog calls the orchestrator
    // for judging. Typed structurally so emitted decorator metadata never names the other class.
    @inject(delay(() => LlmOrchestrator)) private readonly orchestrator: Pick<LlmOrchestrator, 'generate'>,
  ) {
    this.directory = join(config.dataDir, 'skills');
  }

  /** Reads skills from `dir` from now on (null: no directory); they are loaded on next use. */
  useDirectory(dir: string | null): void {
    this.directory = dir;
    this.directorySkills = null;
    this.problems = [];
  }

  /**
   * Reads the skills directory again. Each `<dir>/<folder>/SKILL.md` is one skill; a file that
   * does not parse is left out and reported (and logged), the others load.
   */
  async reload(): Promise<{ loaded: string[]; problems: SkillProblem[] }> {
    const skills = new Map<string, SkillEntry>();
    const problems: SkillProblem[] = [];
    const dir = this.directory;
    let folders: string[] = [];
    if (dir !== null) {
      try {
        folders = (await readdir(dir, { withFileTypes: true }))
          .filter((entry) => entry.isDirectory())
          .map((entry) => entry.name)
          .sort();
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    for (const folder of folders) {
      const path = join(dir!, folder, SKILL_FILE);
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        problems.push({ path, message: `cannot be read: ${(error as Error).message}` });
        continue;
      }
      try {
        const skill = parseSkill(text, path);
        const other = skills.get(skill.name);
        if (other) {
          problems.push({ path, message: `name ${skill.name} is already used by ${other.path}` });
          continue;
        }
        skills.set(skill.name, { ...skill, source: DIRECTORY, path });
      } catch (error) {
        problems.push({ path, message: (error as Error).message });
      }
    }
    for (const problem of problems) this.logger.error(problem, 'skill file not loaded');
    this.directorySkills = skills;
    this.problems = problems;
    return { loaded: [...skills.keys()], problems };
  }

  /** Files of the skills directory that did not load at the last (re)load. */
  async loadProblems(): Promise<SkillProblem[]> {
    await this.ensureLoaded();
    return [...this.problems];
  }

  /**
   * Adds (or, from the same source, replaces) a skill. Refused with `validation_failed` when the
   * skill is malformed, and with `conflict` when another source added one with the same name.
   * A directory skill of the same name takes precedence over an added one (with a warning).
   */
  add(skill: Skill, source: string): SkillEntry {
    if (typeof source !== 'string' || source === '' || source === DIRECTORY) {
      throw new KernelError('validation_failed', `Skill source must name who adds it (not "${DIRECTORY}").`);
    }
    const valid = validSkill(skill, `${skill?.name ?? '(unnamed)'} from ${source}`);
    const existing = this.added.get(valid.name);
    if (existing && existing.source !== source) {
      throw new KernelError(
        'conflict',
        `A skill named ${valid.name} was already added by ${existing.source}; ${source} cannot add another.`,
      );
    }
    const entry: SkillEntry = { ...valid, source };
    this.added.set(valid.name, entry);
    return entry;
  }

  /** Removes an added skill (of `source`, when given); returns whether one was removed. */
  remove(name: string, source?: string): boolean {
    const entry = this.added.get(name);
    if (!entry || (source !== undefined && entry.source !== source)) return false;
    return this.added.delete(name);
  }

  /** Removes every skill `source` added (an extension going away); returns how many. */
  removeSource(source: string): number {
    let removed = 0;
    for (const [name, entry] of this.added) {
      if (entry.source === source) {
        this.added.delete(name);
        removed += 1;
      }
    }
    return removed;
  }

  /** Every skill, by name. */
  async list(): Promise<SkillEntry[]> {
    await this.ensureLoaded();
    const skills = new Map(this.added);
    for (const [name, entry] of this.directorySkills!) {
      const shadowed = skills.get(name);
      if (shadowed && !this.shadowWarned.has(`${name}/${shadowed.source}`)) {
        this.shadowWarned.add(`${name}/${shadowed.source}`);
        this.logger.warn(
          { skill: name, path: entry.path, source: shadowed.source },
          `skill ${name} of the skills directory takes precedence over the one ${shadowed.source} added`,
        );
      }
      skills.set(name, entry);
    }
    return [...skills.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * The skills for a call made for `agent`, by name. Rules first: `always`, the agent's id, the
   * agent's tags. Skills that ask for `llm` and no rule selected go to the skill judge, when
   * the LLM settings name one: one call through the orchestrator (no skills, no tools, structured
   * output `{ selected: string[] }`), billed like the call. Without a judge they are skipped; if
   * the judge fails (provider error, timeout, invalid answer) they are skipped and a warning is
   * logged. Must run as the caller's actor (the judge call is authorized as theirs).
   */
  async match(agent: LlmAgentContext | undefined, request: SkillMatchRequest): Promise<SkillEntry[]> {
    const selected: SkillEntry[] = [];
    const candidates: SkillEntry[] = [];
    for (const skill of await this.list()) {
      if (matchesByRule(skill, agent)) selected.push(skill);
      else if (skill.matchWhen.includes('llm')) candidates.push(skill);
    }
    if (candidates.length > 0) {
      const judged = await this.judge(agent, request, candidates);
      selected.push(...candidates.filter((skill) => judged.has(skill.name)));
    }
    return selected.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  private async judge(
    agent: LlmAgentContext | undefined,
    request: SkillMatchRequest,
    candidates: SkillEntry[],
  ): Promise<Set<string>> {
    const { skillJudge } = await this.settings.current();
    if (!skillJudge) return new Set();
    const names = candidates.map((skill) => skill.name);
    const lastUser = [...request.messages].reverse().find((message) => message.role === 'user');
    const prompt = [
      'Skills:',
      ...candidates.map((skill) => `- ${skill.name}: ${skill.description}`),
      '',
      ...(agent
        ? [`Agent: ${agent.id}${agent.tags?.length ? ` (tags: ${agent.tags.join(', ')})` : ''}`, '']
        : []),
      ...(request.system ? ['Instructions of the request:', excerpt(request.system), ''] : []),
      'Request:',
      excerpt(lastUser?.content ?? ''),
    ].join('\n');
    try {
      const result = await this.orchestrator.generate({
        provider: skillJudge.provider,
        model: skillJudge.model,
        system:
          'You decide which skills (instruction sets) apply to a request sent to an assistant. ' +
          'Select a skill only when its description clearly fits the request. Answer with the names ' +
          'of the selected skills; select none when none fits.',
        messages: [{ role: 'user', content: prompt }],
        responseFormat: {
          type: 'json_schema',
          name: 'skill_selection',
          schema: {
            type: 'object',
            properties: { selected: { type: 'array', items: { type: 'string', enum: names } } },
            required: ['selected'],
            additionalProperties: false,
          },
        },
        skills: false,
        mcpTools: false,
        fallback: false,
        temperature: 0,
        ...(agent ? { agent: { id: agent.id, ...(agent.tags ? { tags: agent.tags } : {}) } } : {}),
        ...(request.runId !== undefined ? { runId: request.runId } : {}),
        ...(request.organizationId !== undefined ? { organizationId: request.organizationId } : {}),
        ...(request.signal !== undefined ? { signal: request.signal } : {}),
      });
      return new Set((result.structured as { selected: string[] }).selected);
    } catch (error) {
      if (error instanceof KernelError && JUDGE_FAILURES.has(error.code)) {
        this.logger.warn(
          { err: error, judge: skillJudge, candidates: names },
          'the skill judge failed; skills it would have chosen from are skipped',
        );
        return new Set();
      }
      throw error;
    }
  }

  private async ensureLoaded(): Promise<void> {
    if (this.directorySkills) return;
    this.loading ??= this.reload()
      .then(() => undefined)
      .finally(() => {
        this.loading = null;
      });
    await this.loading;
  }
}

export const SKILLS: InjectionToken<SkillCatalog> = SkillCatalog;

/** Whether a rule clause (`always`, agent id, agent tag) of `skill` holds for `agent`. */
export function matchesByRule(skill: Skill, agent: LlmAgentContext | undefined): boolean {
  return skill.matchWhen.some((clause) => {
    if (clause === 'always') return true;
    if (clause === 'llm' || !agent) return false;
    if ('agentId' in clause) return clause.agentId.includes(agent.id);
    return clause.agentHasTag.some((tag) => agent.tags?.includes(tag) ?? false);
  });
}

/** The system prompt with `skills` appended under one heading. */
export function withSkills(system: string | undefined, skills: readonly Skill[]): string | undefined {
  if (skills.length === 0) return system;
  const sections = skills.map((skill) => `## Skill: ${skill.name}\n\n${skill.body}`);
  return [
    ...(system?.trim() ? [system.trimEnd()] : []),
    '# Skills\n\nThe following skills apply to this request. Follow their instructions where relevant.',
    ...sections,
  ].join('\n\n');
}

function excerpt(text: string): string {
  return text.length > JUDGE_EXCERPT ? `${text.slice(0, JUDGE_EXCERPT)}…` : text;
}
