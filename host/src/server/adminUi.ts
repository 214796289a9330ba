import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import { Type } from 'typebox';
import { KernelError } from '@cinatra/kernel';
import type { CinatraServer } from './createServer.js';

/**
 * Headers of every admin UI response. The app loads only its own scripts and styles, talks
 * only to this origin and cannot be framed; no extension code ever runs in it (extension UI
 * is declarative data rendered by the app).
 */
const UI_HEADERS = {
  'content-security-policy': [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; '),
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
};

/** Paths that belong to the API, never to the app: an unknown one is a 404 problem. */
const API_PATHS = ['api', 'mcp', 'healthz', 'readyz'];

function isApiPath(path: string): boolean {
  return API_PATHS.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

/** The built app (`@cinatra/ui`'s `dist/`), or null when it has not been built. */
export function locateAdminUi(): string | null {
  try {
    const dir = join(dirname(createRequire(import.meta.url).resolve('@cinatra/ui/package.json')), 'dist');
    return statSync(join(dir, 'index.html')).isFile() ? dir : null;
  } catch {
    return null;
  }
}

function filesUnder(root: string): Set<string> {
  const files = new Set<string>();
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) files.add(relative(root, join(entry.parentPath, entry.name)).split(sep).join('/'));
  }
  return files;
}

/**
 * Serves the admin UI at `/`: its built files (hashed assets cached for a year) and
 * `index.html` for every other path outside the API, so the app's own router handles
 * deep links such as `/extensions/…` or the `/setup` link printed at start.
 */
export async function adminUiRoutes(app: CinatraServer, root: string | null): Promise<void> {
  const files = root ? filesUnder(root) : new Set<string>();
  if (root) await app.register(fastifyStatic, { root, serve: false });

  app.get(
    '/*',
    {
      config: { public: true },
      schema: { hide: true, params: Type.Object({ '*': Type.String() }) },
    },
    async (request, reply) => {
      const path = request.params['*'];
      if (isApiPath(path)) {
        throw new KernelError('not_found', `No route ${request.method} ${request.url.split('?')[0]}.`);
      }
      if (!root) {
        throw new KernelError(
          'not_found',
          'The admin UI is not built: run `npm run build` and start the platform again.',
        );
      }
      reply.headers(UI_HEADERS);
      if (files.has(path) && path !== 'index.html') {
        const immutable = path.startsWith('assets/');
        reply.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
        // send's own Cache-Control (max-age=0) would replace the one set above.
        return reply.sendFile(path, { cacheControl: false });
      }
      if (/\.[a-z0-9]+$/i.test(path)) {
        throw new KernelError('not_found', `No file /${path} in the admin UI.`);
      }
      reply.header('cache-control', 'no-cache');
      return reply.sendFile('index.html', { cacheControl: false });
    },
  );
}
