import { Type } from 'typebox';
import type { Kernel } from '@cinatra/kernel';
import { PERMISSION_PATTERN } from '@cinatra/sdk';
import { GITHUB_INSTALLER } from '../../extensions/install/GitHubInstaller.js';
import type { CinatraServer } from '../createServer.js';
import { Uuid, withProblems } from '../schemas.js';

const RepositoryUrl = Type.String({
  pattern: '^https?://[^\\s/]+/[^\\s]+$',
  maxLength: 500,
  description: 'https://github.com/<owner>/<repo> (or the GitHub Enterprise host of github.apiUrl)',
});
const TokenSecretId = Type.Optional(
  Type.Union([Uuid, Type.Null()], {
    description: 'A workspace secret holding a GitHub token, revealed by the calling admin (needs a grant)',
  }),
);
const Permissions = Type.Array(Type.String({ pattern: PERMISSION_PATTERN }), {
  maxItems: 100,
  description: 'Must equal the permissions the version requests',
});

const Release = Type.Object(
  {
    tag: Type.String(),
    name: Type.Union([Type.String(), Type.Null()]),
    draft: Type.Boolean(),
    prerelease: Type.Boolean(),
    publishedAt: Type.Union([Type.String(), Type.Null()]),
    packageAsset: Type.Union([Type.Object({ name: Type.String(), size: Type.Integer() }), Type.Null()], {
      description: 'The .tgz asset installed; null: the source tarball is (the repository is the package)',
    }),
    bundleAsset: Type.Union([Type.String(), Type.Null()]),
    installable: Type.Boolean(),
    reason: Type.Union([Type.String(), Type.Null()], { description: 'Why it cannot be installed' }),
  },
  { $id: 'GitHubRelease', title: 'GitHubRelease' },
);

const TAGS = ['extensions'];

/**
 * Installing from GitHub releases (platform admins; `GitHubInstaller` authorizes and audits,
 * the install pipeline does the rest): list the releases of a pasted repository URL, then
 * install one by tag. Refusals are problems: 404 for an unknown repository or tag, 409 for a
 * release that cannot install (no bundle asset, an unsafe archive) or a failed stage.
 */
export function githubInstallRoutes(app: CinatraServer, kernel: Kernel): void {
  const installer = kernel.resolve(GITHUB_INSTALLER);
  app.addSchema(Release);

  app.get(
    '/api/extensions/github/releases',
    {
      schema: {
        tags: TAGS,
        summary: "A GitHub repository's releases and what each would install",
        querystring: Type.Object(
          { url: RepositoryUrl, tokenSecretId: Type.Optional(Uuid) },
          { additionalProperties: false },
        ),
        response: withProblems({ 200: Type.Array(Type.Ref('GitHubRelease')) }),
      },
    },
    async (request) =>
      installer.releases({
        url: request.query.url,
        ...(request.query.tokenSecretId ? { tokenSecretId: request.query.tokenSecretId } : {}),
      }),
  );

  app.post(
    '/api/extensions/install/github',
    {
      schema: {
        tags: TAGS,
        summary: 'Install an extension from a GitHub release (asset tarball or source tarball, signed)',
        body: Type.Object(
          {
            url: RepositoryUrl,
            tag: Type.Optional(
              Type.String({
                minLength: 1,
                maxLength: 255,
                description: 'Release tag (default: the latest release)',
              }),
            ),
            tokenSecretId: TokenSecretId,
            approvePermissions: Type.Optional(Permissions),
          },
          { additionalProperties: false },
        ),
        response: withProblems({ 200: Type.Ref('ExtensionOperation') }),
      },
    },
    async (request) =>
      installer.install({
        url: request.body.url,
        ...(request.body.tag ? { tag: request.body.tag } : {}),
        ...(request.body.tokenSecretId ? { tokenSecretId: request.body.tokenSecretId } : {}),
        ...(request.body.approvePermissions ? { approvePermissions: request.body.approvePermissions } : {}),
      }),
  );
}
