import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { inject, injectable, type InjectionToken } from 'tsyringe';
import { LOGGER, SKILLS, parseSkill, type Logger, type SkillCatalog } from '@cinatra/kernel';
import type { ExtensionManifest, VerifiedPackage } from '@cinatra/sdk';
import {
  CONTRIBUTION_REGISTRY,
  skillsOf,
  type ContributionRegistry,
  type SkillContribution,
} from '../extensions/ContributionRegistry.js';
import { PACKAGE_STORE, type PackageStore } from '../extensions/PackageStore.js';

/** A skill file that did not load, and where it came from (`directory` or an extension package). */
export interface SkillSourceProblem {
  source: string;
  path: string;
  message: string;
}

/**
 * Keeps the kernel's `SkillCatalog` in step with the `contributes.skills` of the enabled
 * extensions: each entry's SKILL.md is read from the installed package, checked against the
 * package's signature (the file must be in the signed file list with the same digest, so a file
 * changed on disk after install is refused), parsed, and added with the package name as its
 * source. Disabling, quarantining or uninstalling the extension removes its skills; an update
 * replaces them. The SKILL.md must name the skill as the manifest's `id` does.
 *
 * Changes apply one at a time, shortly after the contribution change that causes them; a skill
 * that does not load is skipped, logged and listed in `problems()`.
 */
@injectable()
export class ExtensionSkills {
  /** Extension → its skills' paths by name, as added to the catalog. */
  private readonly added = new Map<string, Map<string, string>>();
  private readonly failures = new Map<string, SkillSourceProblem[]>();
  private queue: Promise<void> = Promise.resolve();
  private following = false;

  constructor(
    @inject(SKILLS) private readonly catalog: SkillCatalog,
    @inject(CONTRIBUTION_REGISTRY) private readonly contributions: ContributionRegistry,
    @inject(PACKAGE_STORE) private readonly packages: PackageStore,
    @inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Adds the skills of the enabled extensions and follows every later change. */
  start(): Promise<void> {
    if (!this.following) {
      this.following = true;
      this.contributions.onChange(({ extension }) => void this.enqueue(extension));
    }
    return this.syncAll();
  }

  /** Reads every enabled extension's skills again (and drops those of extensions gone). */
  syncAll(): Promise<void> {
    const names = new Set([
      ...this.contributions.extensions(),
      ...this.added.keys(),
      ...this.failures.keys(),
    ]);
    return Promise.all([...names].map((name) => this.enqueue(name))).then(() => undefined);
  }

  /** Resolves once every change seen so far is applied. */
  settled(): Promise<void> {
    return this.queue;
  }

  problems(): SkillSourceProblem[] {
    return [...this.failures.values()].flat();
  }

  /** The package path of skill `name` that `extension` contributes, if it was added. */
  pathOf(extension: string, name: string): string | undefined {
    return this.added.get(extension)?.get(name);
  }

  private enqueue(extension: string): Promise<void> {
    this.queue = this.queue
      .then(() => this.sync(extension))
      .catch((error: unknown) => {
        this.logger.error({ err: error, extension }, "could not update an extension's skills");
      });
    return this.queue;
  }

  private async sync(extension: string): Promise<void> {
    const manifest = this.contributions.manifest(extension);
    const declared = manifest ? skillsOf(manifest) : [];
    const before = this.catalog.removeSource(extension);
    this.added.delete(extension);
    this.failures.delete(extension);
    if (declared.length === 0) {
      if (before > 0) this.logger.info({ extension, skills: before }, 'extension skills removed');
      return;
    }
    const loaded = new Map<string, string>();
    const problems: SkillSourceProblem[] = [];
    let verified: VerifiedPackage | null = null;
    try {
      verified = await this.packages.verify(manifest!.name, manifest!.version);
    } catch (error) {
      for (const skill of declared) {
        problems.push({
          source: extension,
          path: skill.path,
          message: `the package does not verify: ${(error as Error).message}`,
        });
      }
    }
    // Disabled or updated while this ran: the sync queued by that change applies it.
    const now = this.contributions.manifest(extension);
    if (!now || JSON.stringify(skillsOf(now)) !== JSON.stringify(declared)) return;
    for (const skill of verified ? declared : []) {
      try {
        const path = packagePath(skill);
        const text = await this.readSigned(manifest!, verified!, path);
        const parsed = parseSkill(text, `${extension}/${path}`);
        if (parsed.name !== skill.id) {
          throw new Error(`its name is ${parsed.name}, but the manifest declares the skill as ${skill.id}`);
        }
        this.catalog.add(parsed, extension);
        loaded.set(parsed.name, path);
      } catch (error) {
        problems.push({ source: extension, path: skill.path, message: (error as Error).message });
      }
    }
    for (const problem of problems) this.logger.error(problem, 'extension skill not loaded');
    if (loaded.size > 0) this.added.set(extension, loaded);
    if (problems.length > 0) this.failures.set(extension, problems);
  }

  /** The file's text, when it is the signed one. */
  private async readSigned(
    manifest: ExtensionManifest,
    verified: VerifiedPackage,
    path: string,
  ): Promise<string> {
    const digest = verified.files[path];
    if (digest === undefined) throw new Error(`${path} is not a signed file of the package`);
    const bytes = await readFile(
      join(this.packages.packageDir(manifest.name, manifest.version), ...path.split('/')),
    );
    if (createHash('sha256').update(bytes).digest('hex') !== digest) {
      throw new Error(`${path} differs from the signed file`);
    }
    return bytes.toString('utf8');
  }
}

/** The manifest's path as the signed file list names it (`skills/x/SKILL.md`); never outside the package. */
function packagePath(skill: SkillContribution): string {
  const path = posix.normalize(skill.path.replaceAll('\\', '/'));
  if (path.startsWith('/') || path === '..' || path.startsWith('../') || path === '.') {
    throw new Error(`${skill.path} is not a path inside the package`);
  }
  return path;
}

export const EXTENSION_SKILLS: InjectionToken<ExtensionSkills> = ExtensionSkills;
