import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { inject, injectable } from 'tsyringe';
import type { InjectionToken } from 'tsyringe';
import {
  AUTHENTICATOR,
  AUTHORIZER,
  CLASSIFICATION_REGISTRY,
  CONFIG,
  KernelError,
  LOGGER,
  WORKSPACE,
  decide,
  runAsActor,
  type Authenticator,
  type Authorizer,
  type CinatraConfig,
  type ClassificationRegistry,
  type Logger,
} from '@cinatra/kernel';
import { REGISTRY_CLASSIFICATIONS, REGISTRY_PACKAGE } from './registryClassifications.js';
import {
  startVerdaccio,
  type RegistryAuthAnswer,
  type RegistryAuthRequest,
  type VerdaccioHandle,
} from './startVerdaccio.js';

/** Where the instance registry is and the identity the platform itself reads it with. */
export interface RegistryEndpoint {
  url: string;
  /** The instance's own read token (embedded), the configured one (external), or null. */
  token: string | null;
  embedded: boolean;
}

/** Crashes of the child tolerated before the registry stays down (logged as an error). */
const RESTART_BUDGET = 5;

/**
 * The instance's own package registry: a Verdaccio child process on 127.0.0.1 with its
 * storage in `<dataDir>/registry/`, or the external registry `registry.url` names. Started and
 * stopped with the platform. Every `cin_…` token the registry sees is authenticated by the
 * kernel `Authenticator` and authorized by `AUTHORIZER`; publishing is an audited decision.
 * The instance reads its registry with a random identity token made at each start, which
 * only the platform process and the child know.
 */
@injectable()
export class EmbeddedRegistry {
  private handle: VerdaccioHandle | null = null;
  private current: RegistryEndpoint | null = null;
  private stopping = false;
  private restarts = 0;

  constructor(
    @inject(CONFIG) private readonly config: CinatraConfig,
    @inject(LOGGER) private readonly logger: Logger,
    @inject(AUTHENTICATOR) private readonly authenticator: Authenticator,
    @inject(AUTHORIZER) private readonly authorizer: Authorizer,
    @inject(CLASSIFICATION_REGISTRY) private readonly classifications: ClassificationRegistry,
  ) {
    classifications.register(...REGISTRY_CLASSIFICATIONS);
  }

  /** The running registry; throws before `start()`. */
  endpoint(): RegistryEndpoint {
    if (!this.current) {
      throw new KernelError(
        'conflict',
        'The instance registry is not running: start the platform (cinatra start).',
      );
    }
    return this.current;
  }

  async start(): Promise<RegistryEndpoint> {
    if (this.current) return this.current;
    this.stopping = false;
    const external = this.config.registry.url;
    if (external) {
      this.current = {
        url: external.endsWith('/') ? external : `${external}/`,
        token: this.config.registry.token ?? null,
        embedded: false,
      };
      this.logger.info({ registry: this.current.url }, 'using the external registry');
      return this.current;
    }
    const instanceToken = `cinreg_${randomBytes(32).toString('base64url')}`;
    this.handle = await this.launch(instanceToken, 0);
    this.current = { url: this.handle.url, token: instanceToken, embedded: true };
    this.logger.info({ registry: this.current.url, pid: this.handle.pid }, 'instance registry started');
    return this.current;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const handle = this.handle;
    this.handle = null;
    this.current = null;
    await handle?.stop();
  }

  private async launch(instanceToken: string, port: number): Promise<VerdaccioHandle> {
    const handle = await startVerdaccio({
      dir: join(this.config.dataDir, 'registry'),
      port,
      auth: { kind: 'cinatra', instanceToken, authenticate: (request) => this.authenticate(request) },
      onLog: (line, stream) =>
        stream === 'stderr'
          ? this.logger.warn({ registry: 'verdaccio', line }, 'registry')
          : this.logger.debug({ registry: 'verdaccio', line }, 'registry'),
    });
    handle.onUnexpectedExit((code) => void this.recover(instanceToken, handle.port, code));
    return handle;
  }

  /** Restarts a crashed child on the same port, so URLs handed out stay valid. */
  private async recover(instanceToken: string, port: number, code: number | null): Promise<void> {
    if (this.stopping) return;
    if (++this.restarts > RESTART_BUDGET) {
      this.logger.error({ code, restarts: this.restarts }, 'instance registry keeps crashing; left stopped');
      return;
    }
    this.logger.error({ code, port }, 'instance registry exited; restarting it');
    try {
      this.handle = await this.launch(instanceToken, port);
    } catch (error) {
      this.logger.error({ err: error }, 'instance registry could not restart');
    }
  }

  /**
   * Answers the auth plugin: who the `cin_…` token is and which groups this request gets.
   * Reads need `registry_package:read` (a pure decision: reads are not audited one by one);
   * any write needs an audited `publish` authorization for the package the URL names.
   */
  private async authenticate(request: RegistryAuthRequest): Promise<RegistryAuthAnswer> {
    let actor;
    try {
      actor = await this.authenticator.authenticateToken(request.token); // refusals are audited
    } catch (error) {
      return { error: (error as Error).message };
    }
    const name = packageNameOf(request.url);
    const resource = { type: REGISTRY_PACKAGE, ...(name ? { id: name } : {}), owner: WORKSPACE };
    const groups: string[] = [];
    if (decide(actor, this.classifications.get(REGISTRY_PACKAGE, 'read'), resource).allow) {
      groups.push('cinatra-read');
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      const decision = await runAsActor(actor, () => this.authorizer.check(actor, 'publish', resource));
      if (decision.allow) groups.push('cinatra-publish');
    }
    return { name: actor.principalId ?? 'unknown', groups };
  }
}

/** The package a registry URL path names (`/@scope%2fname/…`, `/name/-/…`), or null. */
export function packageNameOf(url: string): string | null {
  const path = url.split('?')[0]!.replace(/^\/+/, '');
  if (path.startsWith('-/')) return null;
  const [first, second] = path.split('/').map((part) => decodeURIComponent(part));
  if (!first) return null;
  if (first.includes('/')) return first; // @scope%2fname
  if (first.startsWith('@') && second) return `${first}/${second}`;
  return first;
}

export const EMBEDDED_REGISTRY: InjectionToken<EmbeddedRegistry> = EmbeddedRegistry;
