import { Type } from 'typebox';
import { AUTHORIZER, SKILLS, WORKSPACE, currentActor, type Kernel } from '@cinatra/kernel';
import { EXTENSION_SKILLS } from '../../llm/ExtensionSkills.js';
import { SKILL_SCHEMAS } from '../../llm/llmSchemas.js';
import { skillsView } from '../../llm/llmViews.js';
import type { CinatraServer } from '../createServer.js';
import { withProblems } from '../schemas.js';

const TAGS = ['llm'];

const SkillList = Type.Object({
  skills: Type.Array(Type.Ref('Skill')),
  problems: Type.Array(Type.Ref('SkillProblem'), {
    description: 'Skill files that did not load (skipped): of the skills directory or of an extension',
  }),
});

/**
 * The skills the LLM orchestration injects into system prompts: those of the skills directory
 * and those enabled extensions contribute. Skills are part of the LLM configuration: listing them
 * is `llm_settings:read`, reloading `llm_settings:manage` (each authorized and audited here; the
 * catalog itself does not authorize).
 */
export function skillRoutes(app: CinatraServer, kernel: Kernel): void {
  const authorizer = kernel.resolve(AUTHORIZER);
  const catalog = kernel.resolve(SKILLS);
  const extensionSkills = kernel.resolve(EXTENSION_SKILLS);
  for (const schema of SKILL_SCHEMAS) app.addSchema(schema);

  app.get(
    '/api/skills',
    {
      schema: {
        tags: TAGS,
        summary: 'The skills, where each comes from and when it applies, and the files that did not load',
        response: withProblems({ 200: SkillList }),
      },
    },
    async () => {
      await authorizer.authorize(currentActor(), 'read', { type: 'llm_settings', owner: WORKSPACE });
      return skillsView(catalog, extensionSkills);
    },
  );

  app.post(
    '/api/skills/reload',
    {
      schema: {
        tags: TAGS,
        summary: "Read the skills directory and the enabled extensions' skills again (platform admins)",
        response: withProblems({ 200: SkillList }),
      },
    },
    async () => {
      await authorizer.authorize(currentActor(), 'manage', { type: 'llm_settings', owner: WORKSPACE });
      await Promise.all([catalog.reload(), extensionSkills.syncAll()]);
      return skillsView(catalog, extensionSkills);
    },
  );
}
