import type { Tone } from '../../components/CStatusBadge.vue';

/**
 * Plain-language explanations of what an extension asks for, who published it and whether its
 * signature holds, for the marketplace and the consent dialog. Permissions follow the SDK's
 * PERMISSION_PATTERN: `<capability>` or `<capability>:<qualifier>` (a glob with `*`, or
 * `${settings.<name>}` for a network host taken from a setting).
 */

export type Tier = 'first-party' | 'partner' | 'community' | 'private';
export type SignatureStatus = 'verified' | 'unsigned' | 'untrusted' | 'revoked' | 'invalid' | 'unavailable';

export interface PermissionExplanation {
  /** The permission as the package writes it, e.g. `secrets.read:github-token`. */
  text: string;
  /** What it allows, in a few words. */
  title: string;
  /** What that means for this instance. */
  detail: string;
}

const SETTING = /^\$\{settings\.([a-zA-Z][a-zA-Z0-9]*)\}$/;

function pattern(qualifier: string): string {
  return qualifier.includes('*') ? ' (* stands for any characters)' : '';
}

export function explainPermission(text: string): PermissionExplanation {
  const at = text.indexOf(':');
  const capability = at < 0 ? text : text.slice(0, at);
  const qualifier = at < 0 ? null : text.slice(at + 1);
  const glob = qualifier?.includes('*') ?? false;
  switch (capability) {
    case 'secrets.read':
      if (!qualifier) {
        return {
          text,
          title: 'Read any secret',
          detail:
            'Can read the value of any secret stored in Cinatra that is shared with it, such as passwords, API keys and tokens.',
        };
      }
      return {
        text,
        title: glob ? `Read secrets matching “${qualifier}”` : `Read the secret “${qualifier}”`,
        detail: glob
          ? `Can read the value of every workspace secret whose name matches ${qualifier}${pattern(qualifier)}.`
          : `Can read the value of the workspace secret named ${qualifier}, such as an API key or a password. Granting this shares that secret with the extension.`,
      };
    case 'queue.enqueue':
      return qualifier
        ? {
            text,
            title: glob
              ? `Add jobs to queues matching “${qualifier}”`
              : `Add jobs to the queue “${qualifier}”`,
            detail: `Can schedule background work on ${glob ? 'those queues' : 'that queue'}${pattern(qualifier)}; the platform runs it later.`,
          }
        : {
            text,
            title: 'Add jobs to any queue',
            detail: 'Can schedule background work on every queue of the platform.',
          };
    case 'llm.invoke':
      return {
        text,
        title: 'Call language models',
        detail:
          'Can send prompts to the LLM providers configured here, on behalf of the person using it. Model calls cost money and count towards that person’s budgets.',
      };
    case 'notifications.send':
      return {
        text,
        title: 'Send notifications',
        detail: 'Can show notifications to the person it is working for.',
      };
    case 'storage':
      return {
        text,
        title: 'Keep files on this server',
        detail:
          'Gets a private folder on this instance’s disk that it can write to. It cannot write anywhere else.',
      };
    case 'network': {
      if (!qualifier) {
        return { text, title: 'Connect to the network', detail: 'Can make outbound network connections.' };
      }
      const setting = qualifier.match(SETTING)?.[1];
      if (setting) {
        return {
          text,
          title: `Connect to the server in its “${setting}” setting`,
          detail: `Can connect to the host of the address an administrator enters in its ${setting} setting, and nowhere else. Data it can read may be sent there.`,
        };
      }
      const [host, port] = qualifier.split(':');
      return {
        text,
        title: `Connect to ${host}${port ? ` on port ${port}` : ''}`,
        detail: `Can make network connections to ${glob ? `hosts matching ${host}${pattern(host ?? '')}` : host}. Data it can read may be sent there; every other host stays blocked.`,
      };
    }
    default:
      return {
        text,
        title: text,
        detail:
          'A permission this version of the admin UI cannot describe. Check the extension’s documentation.',
      };
  }
}

export const TIER_LABELS: Record<Tier, string> = {
  'first-party': 'First-party',
  partner: 'Partner',
  community: 'Community',
  private: 'Private',
};

export const TIER_DETAILS: Record<Tier, string> = {
  'first-party': 'Published by the Cinatra project.',
  partner: 'A publisher this instance’s trust store lists as a partner.',
  community: 'A community publisher whose key this instance trusts; its packages are not reviewed.',
  private: 'Signed with a key of your own organization.',
};

export function tierLabel(tier: Tier | null | undefined): string {
  return tier ? TIER_LABELS[tier] : 'Unknown';
}

export const SIGNATURE: Record<SignatureStatus, { label: string; tone: Tone; detail: string }> = {
  verified: {
    label: 'Verified',
    tone: 'success',
    detail: 'Signed by a key in this instance’s trust store; the files match what was signed.',
  },
  unsigned: {
    label: 'Unsigned',
    tone: 'danger',
    detail: 'The package has no signature. Cinatra installs signed packages only.',
  },
  untrusted: {
    label: 'Unknown signer',
    tone: 'warning',
    detail:
      'Signed with a key this instance does not trust. Add the publisher’s key to the trust store first.',
  },
  revoked: {
    label: 'Revoked',
    tone: 'danger',
    detail: 'The signing key or this version was revoked. It cannot be installed.',
  },
  invalid: {
    label: 'Invalid signature',
    tone: 'danger',
    detail: 'The signature does not match the package’s files. It cannot be installed.',
  },
  unavailable: {
    label: 'Not checked',
    tone: 'neutral',
    detail: 'The package could not be downloaded to check its signature. Installing checks it again.',
  },
};

/** Signature states that make an install fail at `verify`. */
export const BLOCKING_SIGNATURES: readonly SignatureStatus[] = [
  'unsigned',
  'untrusted',
  'revoked',
  'invalid',
];
