import type { ActorContext } from '../authz/ActorContext.js';
import type { Owner, ResourceRef } from '../authz/ResourceRef.js';

/** Legal primitive (and MCP tool) names. */
export const PRIMITIVE_NAME_PATTERN = '^[A-Za-z0-9._-]{1,128}$';

/** Which surface a call came through; recorded with the call's authorization decision. */
export type PrimitiveSurface = 'mcp' | 'http' | 'in-process';

/**
 * MCP's tool annotations, passed through unchanged. They are hints for clients (e.g. to ask
 * before a destructive call); authorization never relies on them.
 */
export interface PrimitiveAnnotations {
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

/** The resource type and action a primitive is authorized as; must exist in the ClassificationRegistry. */
export interface PrimitiveClassification {
  resourceType: string;
  action: string;
}

/** What a handler learns about the call besides its input. */
export interface PrimitiveCallContext {
  actor: ActorContext;
  via: PrimitiveSurface;
  /** The MCP session id (MCP calls), else null. */
  sessionId: string | null;
  /** Aborted when the caller gave up (MCP cancellation, HTTP client gone); handlers pass it on. */
  signal: AbortSignal | undefined;
}

export interface PrimitiveCallOptions {
  via: PrimitiveSurface;
  sessionId?: string | null;
  signal?: AbortSignal;
}

/**
 * One capability, declared once and served to every surface (MCP, HTTP, in-process).
 * Schemas are plain JSON Schema objects whose top level is `type: "object"` (what MCP
 * requires of a tool's input and structured output); `$ref`s must resolve inside the schema.
 */
export interface PrimitiveDefinition<Input = unknown, Output = unknown> {
  /** `^[A-Za-z0-9._-]{1,128}$`, unique in the registry; dotted by area, e.g. `extensions.install`. */
  name: string;
  title?: string;
  /** What it does and when to use it; MCP clients show it to models, so say it plainly. */
  description: string;
  inputSchema: object;
  outputSchema: object;
  classification: PrimitiveClassification;
  /**
   * The resource a call acts on, from its (validated) input. Default: a workspace-owned
   * resource of the classification's type, without id.
   */
  resource?(input: Input): ResourceRef;
  /**
   * The owner scope `listFor` checks an actor against (default: the workspace). A primitive
   * acting on the caller's own resources returns the caller's user scope, so it is listed
   * for everyone who could call it on something they own.
   */
  listScope?(actor: ActorContext): Owner;
  annotations?: PrimitiveAnnotations;
  handler(input: Input, context: PrimitiveCallContext): Promise<Output> | Output;
}

/** A registered primitive as surfaces describe it (no handler). */
export interface PrimitiveDescriptor {
  name: string;
  title?: string;
  description: string;
  inputSchema: object;
  outputSchema: object;
  classification: PrimitiveClassification;
  annotations: PrimitiveAnnotations;
}

/** Sent on every change of the registry's contents (for MCP `tools/list_changed`). */
export interface PrimitiveChange {
  type: 'registered' | 'unregistered';
  name: string;
}
