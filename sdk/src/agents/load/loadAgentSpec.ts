import {
  AgentSpecLoadError,
  SUPPORTED_AGENTSPEC_VERSIONS,
  type AgentSpecComponent,
  type AgentSpecIssue,
  type AgentSpecVersion,
  type LoadedAgentSpec,
} from '../types.js';
import { childPointer } from './pointer.js';
import {
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_DEPTH,
  MAX_DEPTH_LIMIT,
  readDocument,
  type DocumentFormat,
} from './readDocument.js';
import {
  COMPONENT_REF_KEY,
  ComponentResolver,
  isObject,
  REFERENCED_COMPONENTS_KEY,
  VERSION_KEY,
  type JsonObject,
} from './resolveComponents.js';

export interface LoadAgentSpecOptions {
  /** `auto` (default): from `origin`'s extension, else JSON when the text starts with `{`/`[`. */
  format?: DocumentFormat;
  /** File name or URL the content came from; named in the error message, picks the format. */
  origin?: string;
  /** Largest document accepted, in bytes (for an object: in values). Default 2 MiB; YAML parses at roughly 1 MB/s. */
  maxBytes?: number;
  /** Deepest nesting accepted, as written and with references resolved. Default 200, at most 1000. */
  maxDepth?: number;
  /**
   * The components of a disaggregated configuration, by reference key (usually
   * `loadAgentSpecComponents(file).components`). A `$component_ref` the document does not
   * define itself resolves to these.
   */
  components?: ReadonlyMap<string, AgentSpecComponent>;
}

/** The components file of a disaggregated configuration, loaded. */
export interface LoadedAgentSpecComponents {
  version: AgentSpecVersion;
  /** The components by their `$referenced_components` key (which need not be their id). */
  components: ReadonlyMap<string, AgentSpecComponent>;
  pathOf(component: AgentSpecComponent): string;
}

/**
 * Reads an Agent Spec (OAS) document from JSON or YAML text, bytes or an already parsed
 * object, and returns its top-level component with every `$component_ref` resolved. Throws
 * `AgentSpecLoadError` carrying every issue found (stable codes: see `AGENTSPEC_LOAD_ISSUE_CODES`).
 * The loaded structure is a DAG: a component referenced from several places is one object.
 */
export function loadAgentSpec(
  content: string | Uint8Array | object,
  options: LoadAgentSpecOptions = {},
): LoadedAgentSpec {
  const maxDepth = clampDepth(options.maxDepth);
  const document = parse(content, options, maxDepth);
  const issues: AgentSpecIssue[] = [];
  if (!isObject(document)) {
    fail(
      [{ code: 'invalid_component', path: '', message: 'The document is not a component (an object)' }],
      options,
    );
  }
  const version = readVersion(document, issues);
  const resolver = new ComponentResolver({
    documentVersion: version,
    external: options.components,
    maxDepth,
  });

  let rootKey: string | undefined;
  if (Object.hasOwn(document, COMPONENT_REF_KEY)) {
    // `{"$component_ref": id, "$referenced_components": {…}, "agentspec_version": …}`; a
    // reference wins over a component_type beside it, as in pyagentspec.
    const key = document[COMPONENT_REF_KEY];
    if (typeof key === 'string') rootKey = key;
    else {
      issues.push({
        code: 'invalid_component',
        path: `/${COMPONENT_REF_KEY}`,
        message: `${COMPONENT_REF_KEY} must be a string`,
      });
    }
    if (Object.hasOwn(document, REFERENCED_COMPONENTS_KEY)) {
      resolver.addReferencedComponents(
        document[REFERENCED_COMPONENTS_KEY],
        `/${REFERENCED_COMPONENTS_KEY}`,
        false,
      );
    }
  } else if (Object.hasOwn(document, 'component_type')) {
    resolver.addComponent(document, '', true);
  } else if (Object.hasOwn(document, REFERENCED_COMPONENTS_KEY)) {
    issues.push({
      code: 'missing_root_component',
      path: '',
      message: `The document holds only ${REFERENCED_COMPONENTS_KEY}: it is the components file of a disaggregated configuration (load it with loadAgentSpecComponents)`,
    });
  } else {
    issues.push({
      code: 'invalid_component',
      path: '',
      message: 'The document is not a component: it has no component_type',
    });
  }

  const resolved = resolver.resolve();
  const root =
    rootKey !== undefined
      ? resolved.resolveKey(rootKey, `/${COMPONENT_REF_KEY}`)
      : [...resolved.paths].find(([, path]) => path === '')?.[0];
  issues.push(...resolved.issues);
  if (issues.length > 0 || root === undefined) fail(issues, options);

  const { paths, components } = resolved;
  return {
    version: version as AgentSpecVersion,
    root,
    components,
    pathOf(component: AgentSpecComponent): string {
      const path = paths.get(component);
      if (path === undefined) throw new Error(`Component "${component.id}" is not part of this document`);
      return path;
    },
  };
}

/**
 * Reads the components file of a disaggregated configuration: a document whose root holds only
 * `$referenced_components` (each entry may carry `agentspec_version`). Pass the result's
 * `components` to `loadAgentSpec` as `components` to load the main file.
 */
export function loadAgentSpecComponents(
  content: string | Uint8Array | object,
  options: Omit<LoadAgentSpecOptions, 'components'> = {},
): LoadedAgentSpecComponents {
  const maxDepth = clampDepth(options.maxDepth);
  const document = parse(content, options, maxDepth);
  const issues: AgentSpecIssue[] = [];
  const entries = isObject(document) ? document[REFERENCED_COMPONENTS_KEY] : undefined;
  if (!isObject(document) || !isObject(entries) || Object.hasOwn(document, 'component_type')) {
    fail(
      [
        {
          code: 'invalid_component',
          path: '',
          message: `Expected a document that holds only ${REFERENCED_COMPONENTS_KEY}`,
        },
      ],
      options,
    );
  }

  // The version may sit at the top, on each entry, or both; every one given must agree.
  let version: string | undefined;
  let versionPath = '';
  const sources: Array<[unknown, string]> = [[document, '']];
  for (const [key, entry] of Object.entries(entries))
    sources.push([entry, childPointer(`/${REFERENCED_COMPONENTS_KEY}`, key)]);
  for (const [source, path] of sources) {
    if (!isObject(source) || !Object.hasOwn(source, VERSION_KEY)) continue;
    const value = source[VERSION_KEY];
    if (version === undefined) {
      version = checkVersion(value, `${path}/${VERSION_KEY}`, issues);
      versionPath = path;
    } else if (value !== version) {
      issues.push({
        code: 'nested_version',
        path: `${path}/${VERSION_KEY}`,
        message: `agentspec_version ${JSON.stringify(value)} contradicts ${version} at ${versionPath || '/'}`,
      });
    }
  }
  if (version === undefined && !issues.some((issue) => issue.code === 'unsupported_version')) {
    issues.push({
      code: 'missing_version',
      path: '',
      message: 'No agentspec_version at the top level or on the components',
    });
  }

  const resolver = new ComponentResolver({ documentVersion: version, external: undefined, maxDepth });
  resolver.addReferencedComponents(entries, `/${REFERENCED_COMPONENTS_KEY}`, true);
  const resolved = resolver.resolve();
  issues.push(...resolved.issues);
  if (issues.length > 0) fail(issues, options);
  const { paths } = resolved;
  return {
    version: version as AgentSpecVersion,
    components: resolved.referenced,
    pathOf(component: AgentSpecComponent): string {
      const path = paths.get(component);
      if (path === undefined) throw new Error(`Component "${component.id}" is not part of this document`);
      return path;
    },
  };
}

function parse(
  content: string | Uint8Array | object,
  options: LoadAgentSpecOptions,
  maxDepth: number,
): unknown {
  const parsed = readDocument(content, {
    format: options.format ?? 'auto',
    origin: options.origin,
    maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES,
    maxDepth,
  });
  if (!parsed.ok) fail(parsed.issues, options);
  return parsed.value;
}

function readVersion(document: JsonObject, issues: AgentSpecIssue[]): string | undefined {
  if (Object.hasOwn(document, VERSION_KEY))
    return checkVersion(document[VERSION_KEY], `/${VERSION_KEY}`, issues);
  if (Object.hasOwn(document, 'air_version')) {
    issues.push({
      code: 'unsupported_version',
      path: '/air_version',
      message: `air_version ${JSON.stringify(document.air_version)} is a pre-release Agent Spec version; supported: ${SUPPORTED_AGENTSPEC_VERSIONS.join(', ')}`,
    });
    return undefined;
  }
  issues.push({
    code: 'missing_version',
    path: '',
    message: `The document has no top-level agentspec_version (supported: ${SUPPORTED_AGENTSPEC_VERSIONS.join(', ')})`,
  });
  return undefined;
}

function checkVersion(value: unknown, path: string, issues: AgentSpecIssue[]): string | undefined {
  if (typeof value === 'string' && (SUPPORTED_AGENTSPEC_VERSIONS as readonly string[]).includes(value))
    return value;
  issues.push({
    code: 'unsupported_version',
    path,
    message: `agentspec_version ${JSON.stringify(value)} is not supported; supported: ${SUPPORTED_AGENTSPEC_VERSIONS.join(', ')}`,
  });
  return undefined;
}

function clampDepth(maxDepth: number | undefined): number {
  return Math.max(1, Math.min(maxDepth ?? DEFAULT_MAX_DEPTH, MAX_DEPTH_LIMIT));
}

function fail(issues: AgentSpecIssue[], options: LoadAgentSpecOptions): never {
  throw new AgentSpecLoadError(issues, options.origin);
}
