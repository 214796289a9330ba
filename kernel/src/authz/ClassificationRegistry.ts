import { injectable } from 'tsyringe';
import type { InjectionToken } from 'tsyringe';

/**
 * How much authority an action needs over the resource's owner scope:
 * read < write < admin < owner. See `decide.ts` for what each tier grants.
 */
export type AccessLevel = 'read' | 'write' | 'admin' | 'owner';

export const ACCESS_LEVELS: readonly AccessLevel[] = ['read', 'write', 'admin', 'owner'];

export interface Classification {
  resourceType: string;
  action: string;
  level: AccessLevel;
  /**
   * Only the owning principal may do this, not even a platform admin (for example,
   * reading another user's secret value).
   */
  ownerOnly?: boolean;
  description: string;
}

/**
 * resource type × action → rule. `authorize()` denies anything that is not classified
 * here, so a new capability is unreachable until someone decides who may use it.
 */
@injectable()
export class ClassificationRegistry {
  private readonly entries = new Map<string, Classification>();

  register(...classifications: Classification[]): void {
    for (const entry of classifications) {
      const key = `${entry.resourceType}:${entry.action}`;
      const existing = this.entries.get(key);
      if (existing && (existing.level !== entry.level || existing.ownerOnly !== entry.ownerOnly)) {
        throw new Error(`Classification ${key} is already registered with a different rule.`);
      }
      this.entries.set(key, Object.freeze({ ...entry }));
    }
  }

  get(resourceType: string, action: string): Classification | undefined {
    return this.entries.get(`${resourceType}:${action}`);
  }

  list(): Classification[] {
    return [...this.entries.values()].sort((a, b) =>
      `${a.resourceType}:${a.action}`.localeCompare(`${b.resourceType}:${b.action}`),
    );
  }

  resourceTypes(): string[] {
    return [...new Set([...this.entries.values()].map((e) => e.resourceType))].sort();
  }
}

export const CLASSIFICATION_REGISTRY: InjectionToken<ClassificationRegistry> = ClassificationRegistry;
