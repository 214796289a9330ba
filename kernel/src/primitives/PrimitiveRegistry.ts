import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { inject, injectable } from 'tsyringe';
import type { InjectionToken } from 'tsyringe';
import { currentActor, type ActorContext } from '../authz/ActorContext.js';
import { AUTHORIZER, type Authorizer } from '../authz/Authorizer.js';
import { CLASSIFICATION_REGISTRY, type ClassificationRegistry } from '../authz/ClassificationRegistry.js';
import { decide } from '../authz/decide.js';
import { WORKSPACE, type ResourceRef } from '../authz/ResourceRef.js';
import { KernelError, type FieldError } from '../errors/KernelError.js';
import { LOGGER, type Logger } from '../logging/Logger.js';
import {
  PRIMITIVE_NAME_PATTERN,
  type PrimitiveCallOptions,
  type PrimitiveChange,
  type PrimitiveDefinition,
  type PrimitiveDescriptor,
} from './Primitive.js';

interface Entry {
  definition: PrimitiveDefinition;
  descriptor: PrimitiveDescriptor;
  validateInput: ValidateFunction;
  validateOutput: ValidateFunction;
}

export type PrimitiveChangeListener = (change: PrimitiveChange) => void;

const NAME = new RegExp(PRIMITIVE_NAME_PATTERN);

/**
 * Every capability the platform offers to callers, registered once with its schemas and its
 * authorization classification, and served by every surface: the MCP gateway, the HTTP API
 * (`/api/primitives`) and in-process callers. See `README.md` beside this file.
 *
 * `call` is the one path: input validated against the input schema (`validation_failed`
 * naming `/input/...`), then `AUTHORIZER.authorize` (audited, with the primitive, the surface
 * and the MCP session id in the event), then the handler, then its output checked against the
 * output schema. A primitive whose classification the ClassificationRegistry does not know
 * cannot be registered, so nothing becomes callable before someone decided who may call it.
 */
@injectable()
export class PrimitiveRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<PrimitiveChangeListener>();
  // `addUsedSchema: false`: schemas that carry an `$id` (TypeBox schemas shared with routes)
  // do not collide when several primitives embed the same one.
  private readonly ajv = addFormats.default(
    new Ajv.default({
      allErrors: false,
      coerceTypes: false,
      removeAdditional: false,
      useDefaults: true,
      strict: false,
      addUsedSchema: false,
    }),
  );

  constructor(
    @inject(CLASSIFICATION_REGISTRY) private readonly classifications: ClassificationRegistry,
    @inject(AUTHORIZER) private readonly authorizer: Authorizer,
    @inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Adds a primitive. Refused (throws) when the name is illegal or taken, a schema is not a
   * valid JSON Schema of an object, or the classification is not registered.
   */
  register<Input, Output>(definition: PrimitiveDefinition<Input, Output>): void {
    const { name, classification } = definition;
    if (typeof name !== 'string' || !NAME.test(name)) {
      throw new Error(`Primitive name ${JSON.stringify(name)} does not match ${PRIMITIVE_NAME_PATTERN}.`);
    }
    if (this.entries.has(name)) throw new Error(`A primitive named ${name} is already registered.`);
    if (!classification?.resourceType || !classification.action) {
      throw new Error(`Primitive ${name} has no classification (resource type and action).`);
    }
    if (!this.classifications.get(classification.resourceType, classification.action)) {
      throw new Error(
        `Primitive ${name} is classified as ${classification.resourceType}:${classification.action}, which is not a registered classification.`,
      );
    }
    if (typeof definition.description !== 'string' || definition.description.trim() === '') {
      throw new Error(`Primitive ${name} needs a description.`);
    }
    const entry: Entry = {
      definition: definition as PrimitiveDefinition,
      descriptor: Object.freeze({
        name,
        ...(definition.title !== undefined ? { title: definition.title } : {}),
        description: definition.description,
        inputSchema: definition.inputSchema,
        outputSchema: definition.outputSchema,
        classification: { resourceType: classification.resourceType, action: classification.action },
        annotations: { ...definition.annotations },
      }),
      validateInput: this.compile(name, 'input', definition.inputSchema),
      validateOutput: this.compile(name, 'output', definition.outputSchema),
    };
    this.entries.set(name, entry);
    this.emit({ type: 'registered', name });
  }

  /** Removes a primitive; returns whether it was registered. */
  unregister(name: string): boolean {
    const removed = this.entries.delete(name);
    if (removed) this.emit({ type: 'unregistered', name });
    return removed;
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** Every registered primitive, by name. */
  list(): PrimitiveDescriptor[] {
    return [...this.entries.values()].map((e) => e.descriptor).sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * The primitives `actor` may call, for tool lists. A pure decision (`decide`, not audited:
   * listing is not acting) against the primitive's list scope — the workspace unless it says
   * otherwise. `call` still authorizes each call against the actual resource.
   */
  listFor(actor: ActorContext): PrimitiveDescriptor[] {
    return this.list().filter((descriptor) => {
      const { definition } = this.entries.get(descriptor.name)!;
      const { resourceType, action } = descriptor.classification;
      const owner = definition.listScope?.(actor) ?? WORKSPACE;
      return decide(actor, this.classifications.get(resourceType, action), { type: resourceType, owner })
        .allow;
    });
  }

  /** Calls `listener` on every registration and removal; returns the unsubscribe function. */
  onChange(listener: PrimitiveChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Runs a primitive as the current actor. Unknown name: `not_found`. Input not matching the
   * input schema: `validation_failed` naming `/input/...` (checked before authorization, since
   * the resource may come from the input). Denied: `forbidden`, audited. The handler's
   * errors pass through unchanged.
   *
   * The output is checked against the output schema on every call, in every environment:
   * MCP clients validate structured results against the advertised schema, so a mismatch is a
   * bug the caller would hit anyway. It is logged and answered `internal_error` — after the
   * handler ran, so the message says the action may have happened.
   */
  async call(name: string, input: unknown, options: PrimitiveCallOptions): Promise<unknown> {
    const entry = this.entries.get(name);
    if (!entry) throw new KernelError('not_found', `No primitive named ${name} is registered.`);
    const { definition } = entry;
    const value = this.validInput(entry, input);
    const resource: ResourceRef = definition.resource?.(value) ?? {
      type: definition.classification.resourceType,
      owner: WORKSPACE,
    };
    const actor = currentActor();
    const sessionId = options.sessionId ?? null;
    await this.authorizer.authorize(actor, definition.classification.action, resource, {
      primitive: name,
      via: options.via,
      sessionId,
    });
    const output = await definition.handler(value, {
      actor,
      via: options.via,
      sessionId,
      signal: options.signal,
    });
    if (!entry.validateOutput(output)) {
      const [problem] = fieldErrors('/output', entry.validateOutput.errors);
      this.logger.error(
        { primitive: name, errors: entry.validateOutput.errors },
        'primitive output does not match its output schema',
      );
      throw new KernelError(
        'internal_error',
        `${name} returned a result that does not match its output schema (${problem!.path} ${problem!.message}); the action may have been carried out, and the mismatch was logged.`,
      );
    }
    return output;
  }

  private validInput(entry: Entry, input: unknown): unknown {
    let value: unknown;
    try {
      // A copy: defaults are filled in, and neither the caller nor the handler sees the other's changes.
      value = structuredClone(input ?? {});
    } catch {
      throw new KernelError('validation_failed', 'The input must be plain JSON.', {
        errors: [{ path: '/input', message: 'must be plain JSON' }],
      });
    }
    if (entry.validateInput(value)) return value;
    const errors = fieldErrors('/input', entry.validateInput.errors);
    throw new KernelError(
      'validation_failed',
      `Input of ${entry.descriptor.name}: ${errors[0]!.path} ${errors[0]!.message}.`,
      { errors },
    );
  }

  private compile(name: string, which: 'input' | 'output', schema: unknown): ValidateFunction {
    if (typeof schema !== 'object' || schema === null || (schema as { type?: unknown }).type !== 'object') {
      throw new Error(`The ${which} schema of primitive ${name} must be a JSON Schema with type "object".`);
    }
    try {
      return this.ajv.compile(schema);
    } catch (error) {
      throw new Error(`The ${which} schema of primitive ${name} is not valid: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  private emit(change: PrimitiveChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        this.logger.error({ err: error, change }, 'a primitive change listener failed');
      }
    }
  }
}

/** Ajv errors as API field errors; a missing or unexpected property is named in the path. */
function fieldErrors(root: string, errors: ErrorObject[] | null | undefined): FieldError[] {
  const list = (errors ?? []).map((e) => {
    const params = e.params as { missingProperty?: unknown; additionalProperty?: unknown };
    const extra = params.missingProperty ?? params.additionalProperty;
    return {
      path: `${root}${e.instancePath}${typeof extra === 'string' ? `/${extra}` : ''}`,
      message: e.message ?? 'is invalid',
    };
  });
  return list.length > 0 ? list : [{ path: root, message: 'is invalid' }];
}

export const PRIMITIVE_REGISTRY: InjectionToken<PrimitiveRegistry> = PrimitiveRegistry;
