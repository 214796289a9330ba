import type { GetPromptResult } from '@modelcontextprotocol/sdk/types.js';
import { WORKSPACE, decide, type ClassificationRegistry, type SkillCatalog } from '@cinatra/kernel';
import { invalidArgument, type PromptDefinition } from './McpPromptRegistry.js';

export const USE_SKILL_PROMPT = 'cinatra.use_skill';

/**
 * `cinatra.use_skill { name, task? }`: one of the instance's skills (the skills directory and
 * enabled extensions' SKILL.md files) as a prompt, so an MCP client's model can work with the
 * same instructions the platform's own LLM calls get injected. One prompt with the skill as an
 * argument rather than one prompt per skill: the catalogue changes under the gateway (reloads,
 * extensions enabled) and the argument is always current. Shown to whoever may list skills.
 */
export function useSkillPrompt(
  skills: SkillCatalog,
  classifications: ClassificationRegistry,
): PromptDefinition {
  return {
    name: USE_SKILL_PROMPT,
    title: 'Use a skill',
    description:
      "Instructions of one of the instance's skills (see skills.list), optionally followed by the task to apply them to.",
    arguments: [
      {
        name: 'name',
        description: 'Skill name, e.g. tone-of-voice (skills.list lists them)',
        required: true,
      },
      { name: 'task', description: 'What to do with the skill; omitted, the model just receives the skill' },
    ],
    visibleTo: (actor) =>
      decide(actor, classifications.get('llm_settings', 'read'), { type: 'llm_settings', owner: WORKSPACE })
        .allow,
    async render(args): Promise<GetPromptResult> {
      const name = args.name!.trim();
      const skill = (await skills.list()).find((entry) => entry.name === name);
      if (!skill) throw invalidArgument('name', `There is no skill named ${name}.`, 'names no skill');
      const task = args.task?.trim();
      const text = task
        ? `Follow these instructions (skill "${skill.name}"):\n\n${skill.body.trim()}\n\n---\n\nTask: ${task}`
        : `Follow these instructions (skill "${skill.name}") in what comes next:\n\n${skill.body.trim()}`;
      return {
        description: skill.description,
        messages: [{ role: 'user', content: { type: 'text', text } }],
      };
    },
  };
}
