import { Model } from 'objection';

export class ApiToken extends Model {
  static override tableName = 'apiTokens';

  id!: string;
  userId!: string;
  name!: string;
  tokenHash!: string;
  tokenPrefix!: string;
  scopes!: string[];
  expiresAt!: Date | null;
  revokedAt!: Date | null;
  lastUsedAt!: Date | null;
  createdBy!: string | null;
  createdAt!: Date;
}

export interface ApiTokenView {
  id: string;
  userId: string;
  name: string;
  prefix: string;
  scopes: string[];
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  createdAt: string;
}

const iso = (d: Date | null): string | null => (d ? new Date(d).toISOString() : null);

export function viewApiToken(token: ApiToken): ApiTokenView {
  return {
    id: token.id,
    userId: token.userId,
    name: token.name,
    prefix: token.tokenPrefix,
    scopes: token.scopes,
    expiresAt: iso(token.expiresAt),
    revokedAt: iso(token.revokedAt),
    lastUsedAt: iso(token.lastUsedAt),
    createdAt: iso(token.createdAt)!,
  };
}
