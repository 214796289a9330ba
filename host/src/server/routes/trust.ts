import { Type } from 'typebox';
import type { Kernel } from '@cinatra/kernel';
import {
  KEY_ID_PATTERN,
  PACKAGE_NAME_PATTERN,
  PUBLISHER_PATTERN,
  TRUST_STORE,
  VERSION_PATTERN,
} from '../../extensions/trust/TrustStore.js';
import type { CinatraServer } from '../createServer.js';
import { DateTime, withProblems } from '../schemas.js';

const Tier = Type.Union(
  [Type.Literal('first-party'), Type.Literal('partner'), Type.Literal('community'), Type.Literal('private')],
  { description: "How far this instance trusts the publisher; `private` is the operator's own key" },
);
const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);
const KeyId = Type.String({
  pattern: KEY_ID_PATTERN,
  description: 'sha256:<hex> of the SPKI DER public key (printed by `cinatra-ext keygen`)',
});
const Reason = Type.String({ minLength: 1, maxLength: 500, pattern: '\\S' });

const TrustedKeyView = Type.Object({
  keyId: KeyId,
  publisher: Type.String(),
  tier: Tier,
  publicKeyPem: Type.String(),
  addedBy: Nullable(Type.String()),
  addedAt: DateTime,
  revokedAt: Nullable(DateTime),
  revokedBy: Nullable(Type.String()),
  revokedReason: Nullable(Type.String()),
});

const RevokedVersionView = Type.Object({
  name: Type.String(),
  version: Type.String(),
  reason: Type.String(),
  revokedBy: Nullable(Type.String()),
  revokedAt: DateTime,
});

const TAGS = ['trust'];

/**
 * The instance trust store over HTTP (platform admins only). Revocations are created as
 * resources (`POST …-revocations`) rather than addressed by key id in the path: a key id is
 * not a UUID, and a revocation is a record with a reason, not an edit.
 */
export function trustRoutes(app: CinatraServer, kernel: Kernel): void {
  const trust = kernel.resolve(TRUST_STORE);

  app.get(
    '/api/trust',
    {
      schema: {
        tags: TAGS,
        summary: 'Trusted publisher keys (revoked ones included) and revoked extension versions',
        response: withProblems({
          200: Type.Object({
            keys: Type.Array(TrustedKeyView),
            revokedVersions: Type.Array(RevokedVersionView),
          }),
        }),
      },
    },
    async () => trust.list(),
  );

  app.post(
    '/api/trust/keys',
    {
      schema: {
        tags: TAGS,
        summary: "Trust a publisher's signing key (ECDSA P-256 public key PEM) at a tier",
        body: Type.Object(
          {
            publicKeyPem: Type.String({ minLength: 1, maxLength: 4096 }),
            publisher: Type.String({
              pattern: PUBLISHER_PATTERN,
              description: 'The publisher id manifests name',
            }),
            tier: Tier,
          },
          { additionalProperties: false },
        ),
        response: withProblems({ 201: TrustedKeyView }),
      },
    },
    async (request, reply) => {
      reply.code(201);
      return trust.addKey(request.body);
    },
  );

  app.post(
    '/api/trust/key-revocations',
    {
      schema: {
        tags: TAGS,
        summary: 'Revoke a key: nothing it signed installs or loads any more',
        body: Type.Object({ keyId: KeyId, reason: Reason }, { additionalProperties: false }),
        response: withProblems({ 200: TrustedKeyView }),
      },
    },
    async (request) => trust.revokeKey(request.body.keyId, request.body.reason),
  );

  app.post(
    '/api/trust/version-revocations',
    {
      schema: {
        tags: TAGS,
        summary: 'Revoke one version of an extension package: it never installs or loads again',
        body: Type.Object(
          {
            name: Type.String({ pattern: PACKAGE_NAME_PATTERN, maxLength: 214 }),
            version: Type.String({ pattern: VERSION_PATTERN, maxLength: 100 }),
            reason: Reason,
          },
          { additionalProperties: false },
        ),
        response: withProblems({ 201: RevokedVersionView }),
      },
    },
    async (request, reply) => {
      reply.code(201);
      return trust.revokeVersion(request.body.name, request.body.version, request.body.reason);
    },
  );
}
