import { inject, injectable, type InjectionToken } from 'tsyringe';
import {
  AUDIT_LOG,
  AUTHORIZER,
  CONFIG,
  KernelError,
  SECRET_STORE,
  WORKSPACE,
  currentActor,
  type AuditLog,
  type Authorizer,
  type CinatraConfig,
  type SecretStore,
} from '@cinatra/kernel';
import type { OperationView } from './InstallJournal.js';
import { INSTALL_PIPELINE, type InstallPipeline, type InstallRequest } from './InstallPipeline.js';
import { PackageSourceError } from './PackageSource.js';
import {
  describeRelease,
  GitHubClient,
  GitHubReleaseSource,
  parseRepositoryUrl,
  type GitHubRepository,
  type ReleaseView,
} from './GitHubReleaseSource.js';

export interface GitHubTarget {
  /** `https://github.com/<owner>/<repo>` or the configured Enterprise host. */
  url: string;
  /** A workspace secret holding a GitHub token (private repositories, rate limits); revealed by the acting admin. */
  tokenSecretId?: string;
}

export interface GitHubInstallRequest
  extends GitHubTarget, Pick<InstallRequest, 'approvePermissions' | 'approveDependencies' | 'onStage'> {
  /** Release tag; GitHub's latest release when missing. */
  tag?: string;
}

/**
 * Installs from GitHub releases: lists a repository's releases and installs one through the
 * same journaled pipeline as every other source (`GitHubReleaseSource`). Platform admins only
 * (`extension:install`, checked before anything is fetched, so nobody else makes the server
 * call GitHub). The release is fetched before the pipeline starts (only the tarball names the
 * package), so a refusal at that point — no such repository or release, no bundle asset, an
 * unsafe archive — is audited here as `extension.operation_failed` with the source and the
 * reason; everything after is the pipeline's.
 */
@injectable()
export class GitHubInstaller {
  constructor(
    @inject(CONFIG) private readonly config: CinatraConfig,
    @inject(AUTHORIZER) private readonly authorizer: Authorizer,
    @inject(AUDIT_LOG) private readonly audit: AuditLog,
    @inject(SECRET_STORE) private readonly secrets: SecretStore,
    @inject(INSTALL_PIPELINE) private readonly pipeline: InstallPipeline,
  ) {}

  async releases(target: GitHubTarget): Promise<ReleaseView[]> {
    await this.authorize();
    const { client, repository } = await this.open(target);
    const releases = await client.releases(repository).catch(rethrow);
    return releases.map((release) => {
      const { tgz: _tgz, bundle: _bundle, ...view } = describeRelease(release);
      return view;
    });
  }

  async install(request: GitHubInstallRequest): Promise<OperationView> {
    return this.run('install', request);
  }

  /** Updates the extension the release holds to that release's version (held for consent when it asks for more). */
  async update(request: GitHubInstallRequest): Promise<OperationView> {
    return this.run('update', request);
  }

  private async run(kind: 'install' | 'update', request: GitHubInstallRequest): Promise<OperationView> {
    await this.authorize();
    const { client, repository } = await this.open(request);
    let source: GitHubReleaseSource;
    try {
      source = await GitHubReleaseSource.load(client, repository, request.tag);
    } catch (error) {
      if (error instanceof PackageSourceError) {
        await this.audit.record({
          operation: 'extension.operation_failed',
          resourceType: 'extension',
          resourceId: `github:${repository.owner}/${repository.repo}`,
          reason: error.code,
          metadata: {
            kind,
            stage: 'fetch',
            source: `github ${repository.owner}/${repository.repo}`,
            tag: request.tag ?? 'latest',
            message: error.message,
          },
        });
      }
      return rethrow(error);
    }
    return this.pipeline[kind]({
      source,
      name: source.name,
      range: source.version,
      ...(request.approvePermissions ? { approvePermissions: request.approvePermissions } : {}),
      ...(request.approveDependencies ? { approveDependencies: request.approveDependencies } : {}),
      ...(request.onStage ? { onStage: request.onStage } : {}),
    });
  }

  private async open(target: GitHubTarget): Promise<{ client: GitHubClient; repository: GitHubRepository }> {
    let repository: GitHubRepository;
    try {
      repository = parseRepositoryUrl(target.url, this.config.github.apiUrl);
    } catch (error) {
      throw new KernelError('validation_failed', (error as Error).message, {
        errors: [{ path: '/body/url', message: (error as Error).message }],
      });
    }
    const token = target.tokenSecretId ? await this.secrets.reveal(target.tokenSecretId) : null;
    return { client: new GitHubClient(this.config.github.apiUrl, token), repository };
  }

  private async authorize(): Promise<void> {
    await this.authorizer.authorize(currentActor(), 'install', { type: 'extension', owner: WORKSPACE });
  }
}

/** A source refusal as the API's problem: 404 for what does not exist, 409 for a release that cannot install. */
function rethrow(error: unknown): never {
  if (error instanceof PackageSourceError) {
    throw new KernelError(error.code === 'not_found' ? 'not_found' : 'conflict', error.message);
  }
  throw error;
}

export const GITHUB_INSTALLER: InjectionToken<GitHubInstaller> = GitHubInstaller;
