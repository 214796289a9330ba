import type {
  LlmProviderRegistry,
  LlmUsageGroupBy,
  LlmUsageService,
  LlmUsageSummaryRow,
  SkillCatalog,
  SkillEntry,
} from '@cinatra/kernel';
import type { ExtensionSkills, SkillSourceProblem } from './ExtensionSkills.js';

/**
 * The LLM services' answers as the HTTP routes and the primitives give them (one shape for
 * both). None of these authorize: the route or the primitive registry has, or the service does.
 */

const DEFAULT_SUMMARY_DAYS = 30;

export interface ProviderView {
  id: string;
  displayName: string;
  extension: string | null;
  models: string[];
}

export function providerViews(providers: LlmProviderRegistry): { providers: ProviderView[] } {
  return {
    providers: providers.list().map((provider) => ({
      id: provider.id,
      displayName: provider.displayName,
      extension: provider.extension,
      models: [...provider.models],
    })),
  };
}

export interface UsageSummaryInput {
  /** ISO date or date-time; default 30 days before `to`. */
  from?: string;
  /** ISO date or date-time; default now. */
  to?: string;
  groupBy: LlmUsageGroupBy;
  organizationId?: string;
}

export interface UsageSummaryView {
  from: string;
  to: string;
  groupBy: LlmUsageGroupBy;
  organizationId: string | null;
  rows: LlmUsageSummaryRow[];
  total: Omit<LlmUsageSummaryRow, 'key'>;
}

/** `LlmUsageService.summary` (which authorizes) over a time range with defaults, plus the totals. */
export async function summarizeUsage(
  usage: LlmUsageService,
  input: UsageSummaryInput,
): Promise<UsageSummaryView> {
  const to = input.to !== undefined ? new Date(input.to) : new Date();
  const from =
    input.from !== undefined
      ? new Date(input.from)
      : new Date(to.getTime() - DEFAULT_SUMMARY_DAYS * 86_400_000);
  const rows = await usage.summary({
    from,
    to,
    groupBy: input.groupBy,
    ...(input.organizationId !== undefined ? { organizationId: input.organizationId } : {}),
  });
  const total = {
    calls: 0,
    errors: 0,
    inputTokens: 0,
    outputTokens: 0,
    cachedInputTokens: 0,
    reasoningTokens: 0,
    costUsd: 0,
  };
  for (const row of rows) {
    for (const key of Object.keys(total) as Array<keyof typeof total>) total[key] += row[key];
  }
  // Costs are stored to 10 decimals; keep the sum there too (no float dust).
  total.costUsd = Math.round(total.costUsd * 1e10) / 1e10;
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    groupBy: input.groupBy,
    organizationId: input.organizationId ?? null,
    rows,
    total,
  };
}

export interface SkillsView {
  skills: Array<SkillEntry & { path?: string }>;
  problems: SkillSourceProblem[];
}

/** Every skill of the catalog, and the skill files (directory or extension) that did not load. */
export async function skillsView(
  catalog: SkillCatalog,
  extensionSkills: ExtensionSkills,
): Promise<SkillsView> {
  const [skills, directoryProblems] = await Promise.all([catalog.list(), catalog.loadProblems()]);
  return {
    skills: skills.map((skill) => ({
      ...skill,
      ...(skill.path === undefined ? pathOf(extensionSkills, skill) : {}),
    })),
    problems: [
      ...directoryProblems.map((problem) => ({ source: 'directory', ...problem })),
      ...extensionSkills.problems(),
    ],
  };
}

function pathOf(extensionSkills: ExtensionSkills, skill: SkillEntry): { path?: string } {
  const path = extensionSkills.pathOf(skill.source, skill.name);
  return path === undefined ? {} : { path };
}
