import { readFile } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import { Type, type Static, type TSchema } from 'typebox';
import {
  AUTHORIZER,
  CLASSIFICATION_REGISTRY,
  WORKSPACE,
  currentActor,
  notFound,
  type Classification,
  type Kernel,
} from '@cinatra/kernel';
import {
  AgentCompileError,
  checkAgentPackage,
  compile,
  discoverAgents,
  loadAgentSpec,
  readPackageFiles,
  review,
  validate,
  type AgentLocation,
  type CompiledAgent,
  type ReviewFinding,
} from '@cinatra/sdk/agents';
import type { CinatraServer } from '../createServer.js';
import { withProblems } from '../schemas.js';

/**
 * Reading the agent catalogue is for platform admins: it shows the install directory's layout
 * and every problem of every agent, as the authoring tools do.
 */
export const AGENT_CLASSIFICATIONS: Classification[] = [
  {
    resourceType: 'agent',
    action: 'list',
    level: 'admin',
    description: 'List the agents of the agent install directory with their validation and review',
  },
  {
    resourceType: 'agent',
    action: 'read',
    level: 'admin',
    description: "Read an agent's issues, review findings, compiled schemas and approval policy",
  },
];

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Name = Type.String({ pattern: '^[a-z0-9-]+$', maxLength: 214 });

const summaryFields = {
  vendor: Type.String({ description: 'The directory the package sits in (cinatra for first-party agents)' }),
  slug: Type.String({ description: 'The package directory' }),
  path: Type.String({
    description: 'The Agent Spec file, relative to the agents directory (e.g. cinatra/x/cinatra/oas.json)',
  }),
  packageName: Nullable(Type.String({ description: "package.json's name (@<vendor>/<slug>)" })),
  packageVersion: Nullable(Type.String({ description: "package.json's version" })),
  name: Type.String({ description: "The root Flow's name (the slug when the document does not load)" }),
  description: Nullable(Type.String()),
  agentSpecVersion: Nullable(
    Type.String({ description: 'agentspec_version; null when the document does not load' }),
  ),
  validation: Type.Object(
    {
      valid: Type.Boolean({ description: 'No errors: the platform can run it' }),
      errors: Type.Integer({ description: 'Agent Spec, package layout and compile errors' }),
      warnings: Type.Integer({ description: 'e.g. a legacy agent.json file name' }),
    },
    { description: 'What validate, the package layout check and compile say' },
  ),
  review: Type.Object(
    {
      blockers: Type.Integer(),
      warnings: Type.Integer(),
      advisories: Type.Integer(),
    },
    { description: 'What the review lint (advisory mode, no external hosts allowed) finds' },
  ),
};

export const AgentSummaryView = Type.Object(summaryFields, { $id: 'AgentSummary', title: 'AgentSummary' });

const Issue = Type.Object({
  severity: Type.Union([Type.Literal('error'), Type.Literal('warning')]),
  code: Type.String({ description: 'Stable, e.g. unreachable_node, package_name_mismatch' }),
  message: Type.String(),
  file: Type.String({
    description: 'Relative to the package directory: the Agent Spec file or package.json',
  }),
  path: Nullable(Type.String({ description: 'JSON pointer into the file; null: the whole file' })),
});

const Finding = Type.Object({
  level: Type.Union([Type.Literal('blocker'), Type.Literal('warning'), Type.Literal('advisory')]),
  code: Type.String({ description: 'Stable, e.g. literal_credential, untrusted_external_url' }),
  message: Type.String(),
  file: Type.String({ description: 'Relative to the package directory' }),
  path: Nullable(
    Type.String({ description: 'JSON pointer in a JSON file, #L<line> in another; null: the whole file' }),
  ),
});

const JsonSchemaObject = Type.Object({}, { additionalProperties: true });

export const AgentDetailView = Type.Object(
  {
    ...summaryFields,
    issues: Type.Array(Issue, {
      description: "The document's errors (by path), package.json's, compile errors, then warnings",
    }),
    findings: Type.Array(Finding, {
      description: 'Review findings: blockers, then warnings, then advisories',
    }),
    inputSchema: Nullable(JsonSchemaObject),
    outputSchema: Nullable(JsonSchemaObject),
    approvalPolicy: Type.Unknown({
      description:
        'Where a run stops for a person ({ steps: [...] }, as the compiler derives it); null when it does not compile',
    }),
  },
  { $id: 'AgentDetail', title: 'AgentDetail' },
);

export const AgentCatalogView = Type.Object(
  {
    dir: Type.String({ description: 'The agent install directory (agents.dir), absolute' }),
    agents: Type.Array(Type.Ref('AgentSummary'), { description: 'Sorted by vendor, then slug' }),
    problems: Type.Array(
      Type.Object({
        path: Type.String({ description: 'Relative to dir ("." for dir itself)' }),
        message: Type.String(),
      }),
      { description: 'What could not be read at all (a missing directory, an unreadable file)' },
    ),
  },
  { $id: 'AgentCatalog', title: 'AgentCatalog' },
);

type AgentSummary = Static<typeof AgentSummaryView>;
type AgentDetail = Static<typeof AgentDetailView>;
type CatalogProblem = Static<typeof AgentCatalogView>['problems'][number];

/**
 * The agents of the agent install directory (`agents.dir`): `<dir>/<vendor>/<slug>/` packages
 * found as `@cinatra/sdk/agents` finds them (`discoverAgents`), each validated, its package
 * layout checked, reviewed and compiled on every request with the same code the authoring CLI
 * and CI run. Nothing is cached: editing an agent on disk shows on the next read.
 */
export function agentRoutes(app: CinatraServer, kernel: Kernel): void {
  const authorizer = kernel.resolve(AUTHORIZER);
  kernel.resolve(CLASSIFICATION_REGISTRY).register(...AGENT_CLASSIFICATIONS);
  for (const schema of [AgentSummaryView, AgentDetailView, AgentCatalogView]) app.addSchema(schema);
  const dir = kernel.config.agents.dir;
  const TAGS = ['agents'];

  app.get(
    '/api/agents',
    {
      schema: {
        tags: TAGS,
        summary: 'The agents of the agents directory, each with its validation and review counts',
        response: withProblems({ 200: Type.Ref('AgentCatalog') }),
      },
    },
    async () => {
      await authorizer.authorize(currentActor(), 'list', { type: 'agent', owner: WORKSPACE });
      const { locations, problems } = await discover(dir);
      const agents: AgentSummary[] = [];
      for (const location of locations) {
        try {
          agents.push(summaryOf(await inspect(dir, location)));
        } catch (error) {
          problems.push({ path: shown(dir, location.dir), message: (error as Error).message });
        }
      }
      return { dir, agents, problems };
    },
  );

  app.get(
    '/api/agents/:vendor/:slug',
    {
      schema: {
        tags: TAGS,
        summary: 'One agent: its issues, review findings, compiled input/output schemas and approval policy',
        params: Type.Object({ vendor: Name, slug: Name }),
        response: withProblems({ 200: Type.Ref('AgentDetail') }),
      },
    },
    async (request) => {
      const { vendor, slug } = request.params;
      const id = `${vendor}/${slug}`;
      await authorizer.authorize(currentActor(), 'read', { type: 'agent', id, owner: WORKSPACE });
      const { locations } = await discover(dir);
      const location = locations.find((agent) => agent.vendor === vendor && agent.slug === slug);
      if (!location) throw notFound('Agent', `${id} (in ${dir})`);
      return inspect(dir, location);
    },
  );
}

/** The agents under `dir`; a missing or unreadable directory is a problem, not an error. */
async function discover(dir: string): Promise<{ locations: AgentLocation[]; problems: CatalogProblem[] }> {
  try {
    return { locations: await discoverAgents(dir), problems: [] };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT'
        ? `The agents directory ${dir} does not exist. Create it, or point agents.dir (CINATRA_AGENTS_DIR) at the directory holding <vendor>/<slug>/cinatra/oas.json packages, and restart.`
        : `The agents directory ${dir} cannot be read: ${(error as Error).message}`;
    return { locations: [], problems: [{ path: '.', message }] };
  }
}

/** Validates, checks, reviews and compiles one agent, as `npm run validate:agents` does. */
async function inspect(dir: string, location: AgentLocation): Promise<AgentDetail> {
  const content = await readFile(location.file, 'utf8');
  const origin = shown(dir, location.file);
  const documentName = shown(location.dir, location.file);
  const issues: AgentDetail['issues'] = [];
  const error = (file: string) => (found: { code: string; message: string; path: string }) =>
    issues.push({
      severity: 'error',
      code: found.code,
      message: found.message,
      file,
      path: found.path || null,
    });

  const validation = validate(content, { origin });
  validation.errors.forEach(error(documentName));
  checkAgentPackage(location).forEach(error('package.json'));
  let compiled: CompiledAgent | null = null;
  if (validation.valid) {
    try {
      compiled = compile(content, { packageJson: location.packageJson, load: { origin } });
    } catch (failure) {
      if (!(failure instanceof AgentCompileError)) throw failure;
      failure.issues.forEach(error(documentName));
    }
  }
  if (location.legacy) {
    issues.push({
      severity: 'warning',
      code: 'legacy_file_name',
      message: `${documentName} is the legacy name; move it to cinatra/oas.json.`,
      file: documentName,
      path: null,
    });
  }

  const reviewed = review(content, {
    mode: 'advisory',
    siblingFiles: await readPackageFiles(location.dir, location.file),
    documentName,
    load: { origin },
  });
  const finding = (found: ReviewFinding) => ({
    level: found.severity,
    code: found.code,
    message: found.message,
    file: found.file,
    path: found.path || null,
  });
  // A document that does not load is reported once, by validation (as CI does).
  const blockers = reviewed.blockers.filter((found) => found.code !== 'unreadable_document');

  const header = compiled ?? headerOf(content, origin);
  const errors = issues.filter((issue) => issue.severity === 'error').length;
  return {
    vendor: location.vendor,
    slug: location.slug,
    path: origin,
    packageName: typeof location.packageJson?.name === 'string' ? location.packageJson.name : null,
    packageVersion: typeof location.packageJson?.version === 'string' ? location.packageJson.version : null,
    name: header?.name ?? location.slug,
    description:
      header?.description ??
      (typeof location.packageJson?.description === 'string' ? location.packageJson.description : null),
    agentSpecVersion: header?.agentSpecVersion ?? null,
    validation: { valid: errors === 0, errors, warnings: issues.length - errors },
    review: {
      blockers: blockers.length,
      warnings: reviewed.warnings.length,
      advisories: reviewed.advisories.length,
    },
    issues,
    findings: [...blockers, ...reviewed.warnings, ...reviewed.advisories].map(finding),
    inputSchema: compiled?.inputSchema ?? null,
    outputSchema: compiled?.outputSchema ?? null,
    approvalPolicy: compiled?.approvalPolicy ?? null,
  };
}

/** Name, description and version of a document that loads but does not compile; null when it does not load. */
function headerOf(
  content: string,
  origin: string,
): { name: string | null; description: string | null; agentSpecVersion: string } | null {
  try {
    const { root, version } = loadAgentSpec(content, { origin });
    return {
      name: typeof root.name === 'string' ? root.name : null,
      description: typeof root.description === 'string' ? root.description : null,
      agentSpecVersion: version,
    };
  } catch {
    return null;
  }
}

function summaryOf(detail: AgentDetail): AgentSummary {
  const {
    issues: _i,
    findings: _f,
    inputSchema: _is,
    outputSchema: _os,
    approvalPolicy: _ap,
    ...summary
  } = detail;
  return summary;
}

/** `path` relative to `from`, with forward slashes. */
function shown(from: string, path: string): string {
  return relative(from, path).split(sep).join('/') || '.';
}
