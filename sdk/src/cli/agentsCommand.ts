import { readFile, writeFile } from 'node:fs/promises';
import { basename, isAbsolute, relative, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { AgentCompileError } from '../agents/compile/AgentCompileError.js';
import { compile } from '../agents/compile/compile.js';
import { checkAgentPackage } from '../agents/layout/checkAgentPackage.js';
import { AGENT_INSTALL_DIR_ENV, DEFAULT_AGENT_INSTALL_DIR } from '../agents/layout/discoverAgents.js';
import { review } from '../agents/review/review.js';
import { validate } from '../agents/validate/validate.js';
import { readPackageFiles } from '../agents/layout/readPackageFiles.js';
import { compiledLines, findingLines, issueLines, plural } from './agentsReport.js';
import { AgentTargetError, resolveAgentTarget, type AgentTarget } from './agentsTarget.js';

export interface AgentsCommandIo {
  out(line: string): void;
  /** Ends the command with exit code 1: the agent has errors or blockers. */
  fail(message: string): never;
  /** Ends the command with exit code 2: the command line names no agent. */
  usage(message: string): never;
  cwd: string;
}

interface TargetOptions {
  agentsDir?: string;
  json?: boolean;
}

/** An agent file read for a command, with the names it is shown and reported by. */
interface LoadedTarget extends AgentTarget {
  content: string;
  /** The file as the author sees it: relative to the working directory when inside it. */
  shown: string;
  /** The file relative to its package directory (`cinatra/oas.json`), as review findings name it. */
  documentName: string;
}

/**
 * `cinatra-ext agents validate | review | compile <path-or-slug>`: the offline authoring loop for
 * Agent Spec agents, the same code the platform runs. Each prints a readable report or, with
 * `--json`, the result as JSON; exit code 0 when the agent passes, 1 on errors or blockers.
 */
export function agentsCommand(program: Command, io: AgentsCommandIo): void {
  const agents = program
    .command('agents')
    .description('validate, review and compile agents (agents/<vendor>/<slug>/cinatra/oas.json)');

  targetCommand(
    agents,
    'validate',
    'check that an agent is Agent Spec the runtime accepts, and its package layout',
  )
    .option('--json', 'print {file, valid, errors, packageErrors} as JSON')
    .action(async (target: string, options: TargetOptions) => {
      const agent = await load(target, options);
      const { errors } = validate(agent.content, { origin: agent.file });
      const packageErrors = agent.location ? checkAgentPackage(agent.location) : [];
      const count = errors.length + packageErrors.length;
      if (options.json) {
        io.out(JSON.stringify({ file: agent.shown, valid: count === 0, errors, packageErrors }, null, 2));
      } else {
        io.out(count === 0 ? `PASS ${agent.shown}` : `FAIL ${agent.shown}: ${plural(count, 'error')}`);
        for (const line of [...issueLines(errors), ...issueLines(packageErrors, 'package.json ')])
          io.out(line);
        if (agent.location?.legacy)
          io.out(`Note: ${basename(agent.file)} is the legacy name; move it to cinatra/oas.json.`);
        if (count === 0) io.out(`Next: cinatra-ext agents review ${target}`);
      }
      if (count > 0)
        io.fail(`${agent.shown} does not validate: fix the ${plural(count, 'error')} and validate again.`);
    });

  targetCommand(agents, 'review', 'lint an agent package: credentials, external URLs, license, drift')
    .addOption(
      new Option('--mode <mode>', 'advisory adds suggestions; blockers are the same in both modes')
        .choices(['deterministic', 'advisory'])
        .default('advisory'),
    )
    .option(
      '--allow-host <host>',
      'an external host agents may call (repeatable; *.example.com allowed)',
      collect,
      [],
    )
    .option('--json', 'print {file, blockers, warnings, advisories} as JSON')
    .action(
      async (
        target: string,
        options: TargetOptions & { mode: 'deterministic' | 'advisory'; allowHost: string[] },
      ) => {
        const agent = await load(target, options);
        const result = review(agent.content, {
          mode: options.mode,
          allowedHosts: options.allowHost,
          siblingFiles: agent.location ? await readPackageFiles(agent.location.dir, agent.file) : {},
          documentName: agent.documentName,
          load: { origin: agent.file },
        });
        const { blockers, warnings, advisories } = result;
        if (options.json) {
          io.out(JSON.stringify({ file: agent.shown, ...result }, null, 2));
        } else {
          io.out(
            `Reviewed ${agent.shown} (${options.mode}): ${plural(blockers.length, 'blocker')}, ` +
              `${plural(warnings.length, 'warning')}, ${plural(advisories.length, 'advisory', 'advisories')}`,
          );
          for (const line of findingLines([...blockers, ...warnings, ...advisories])) io.out(line);
          if (!agent.location)
            io.out('Note: no package directory around the file, so package.json was not reviewed.');
          if (blockers.length === 0) io.out(`Next: cinatra-ext agents compile ${target}`);
        }
        if (blockers.length > 0) {
          io.fail(`${plural(blockers.length, 'blocker')} in ${agent.shown}: fix them and review again.`);
        }
      },
    );

  targetCommand(agents, 'compile', 'derive input/output schemas, the approval policy and the plan')
    .option('--json', 'print the compiled agent as JSON (on failure: {file, errors})')
    .option('--out <file>', 'also write the compiled agent as JSON to this file')
    .action(async (target: string, options: TargetOptions & { out?: string }) => {
      const agent = await load(target, options);
      let compiled;
      try {
        compiled = compile(agent.content, {
          packageJson: agent.location?.packageJson ?? null,
          load: { origin: agent.file },
        });
      } catch (error) {
        if (!(error instanceof AgentCompileError)) throw error;
        if (options.json) io.out(JSON.stringify({ file: agent.shown, errors: error.issues }, null, 2));
        else
          for (const line of [
            `FAIL ${agent.shown}: ${plural(error.issues.length, 'error')}`,
            ...issueLines(error.issues),
          ])
            io.out(line);
        return io.fail(
          `${agent.shown} does not compile: fix the ${plural(error.issues.length, 'error')} and compile again.`,
        );
      }
      const json = `${JSON.stringify(compiled, null, 2)}\n`;
      if (options.out) await writeFile(resolve(io.cwd, options.out), json);
      if (options.json) {
        io.out(json.trimEnd());
        return;
      }
      io.out(`Compiled ${agent.shown}`);
      for (const line of compiledLines(compiled)) io.out(line);
      io.out(
        options.out
          ? `Wrote ${options.out}`
          : `Next: cinatra-ext agents compile ${target} --json for the schemas, approval policy and plan as JSON`,
      );
    });

  function targetCommand(parent: Command, name: string, description: string): Command {
    return parent
      .command(name)
      .description(description)
      .argument(
        '<path-or-slug>',
        'an agent file, its package directory, or slug / vendor/slug / @vendor/slug',
      )
      .option(
        '--agents-dir <dir>',
        `install directory slugs are looked up in (default: $${AGENT_INSTALL_DIR_ENV} or ${DEFAULT_AGENT_INSTALL_DIR})`,
      );
  }

  async function load(target: string, options: TargetOptions): Promise<LoadedTarget> {
    const installDir = options.agentsDir ?? process.env[AGENT_INSTALL_DIR_ENV] ?? DEFAULT_AGENT_INSTALL_DIR;
    let resolved: AgentTarget;
    try {
      resolved = await resolveAgentTarget(target, { cwd: io.cwd, installDir });
    } catch (error) {
      if (error instanceof AgentTargetError) io.usage(error.message);
      throw error;
    }
    const content = await readFile(resolved.file, 'utf8').catch((error: Error) =>
      io.fail(`Cannot read ${resolved.file}: ${error.message}.`),
    );
    const fromCwd = relative(io.cwd, resolved.file);
    return {
      ...resolved,
      content,
      shown: fromCwd.startsWith('..') || isAbsolute(fromCwd) ? resolved.file : fromCwd,
      documentName: resolved.location
        ? relative(resolved.location.dir, resolved.file).split('\\').join('/')
        : basename(resolved.file),
    };
  }
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
