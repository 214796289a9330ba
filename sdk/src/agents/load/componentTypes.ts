/**
 * The built-in Agent Spec component types (those of the official JSON Schema for 26.1.2, which
 * covers every version the loader reads) and, for each, the fields that hold components. The
 * loader follows exactly these fields to find nested components and `$component_ref`s; the
 * serializer follows them to decide what to inline and what to share. Everything else in a
 * component is plain data and is kept as written.
 */

/** Abstract component families, named as the JSON Schema names them, with their concrete types. */
export const AGENTSPEC_COMPONENT_FAMILIES = {
  Node: [
    'StartNode',
    'EndNode',
    'LlmNode',
    'ApiNode',
    'AgentNode',
    'FlowNode',
    'MapNode',
    'ParallelMapNode',
    'ParallelFlowNode',
    'BranchingNode',
    'ToolNode',
    'InputMessageNode',
    'OutputMessageNode',
    'CatchExceptionNode',
  ],
  Flow: ['Flow'],
  Agent: ['Agent'],
  AgenticComponent: ['Agent', 'Flow', 'Swarm', 'ManagerWorkers', 'SpecializedAgent', 'A2AAgent', 'OciAgent'],
  LlmConfig: [
    'LlmConfig',
    'OpenAiCompatibleConfig',
    'VllmConfig',
    'OllamaConfig',
    'OpenAiConfig',
    'OciGenAiConfig',
    'GeminiConfig',
  ],
  Tool: ['ServerTool', 'ClientTool', 'RemoteTool', 'MCPTool', 'BuiltinTool'],
  ToolBox: ['MCPToolBox'],
  MCPToolSpec: ['MCPToolSpec'],
  ClientTransport: [
    'StdioTransport',
    'SSETransport',
    'SSEmTLSTransport',
    'StreamableHTTPTransport',
    'StreamableHTTPmTLSTransport',
  ],
  AuthConfig: ['OAuthConfig'],
  OAuthClientConfig: ['OAuthClientConfig'],
  ControlFlowEdge: ['ControlFlowEdge'],
  DataFlowEdge: ['DataFlowEdge'],
  MessageTransform: ['MessageSummarizationTransform', 'ConversationSummarizationTransform'],
  Datastore: ['InMemoryCollectionDatastore', 'OracleDatabaseDatastore', 'PostgresDatabaseDatastore'],
  OracleDatabaseConnectionConfig: ['TlsOracleDatabaseConnectionConfig', 'MTlsOracleDatabaseConnectionConfig'],
  PostgresDatabaseConnectionConfig: ['TlsPostgresDatabaseConnectionConfig'],
  OciClientConfig: [
    'OciClientConfigWithApiKey',
    'OciClientConfigWithInstancePrincipal',
    'OciClientConfigWithResourcePrincipal',
    'OciClientConfigWithSecurityToken',
  ],
  GeminiAuthConfig: ['GeminiAIStudioAuthConfig', 'GeminiVertexAIAuthConfig'],
  A2AConnectionConfig: ['A2AConnectionConfig'],
  AgentSpecializationParameters: ['AgentSpecializationParameters'],
} as const satisfies Record<string, readonly string[]>;

export type AgentSpecComponentFamily = keyof typeof AGENTSPEC_COMPONENT_FAMILIES;

/** How a field holds components. */
export interface AgentSpecComponentField {
  /** `one` component (or null), a `list` of them, or a list of `pairs` (Swarm relationships). */
  holds: 'one' | 'list' | 'pairs';
  /** The family the components must belong to. */
  family: AgentSpecComponentFamily;
  /** List items may also be plain strings (MCPToolBox `tool_filter`: tool names). */
  stringsAllowed?: boolean;
}

export interface AgentSpecComponentTypeInfo {
  /** Fields that hold components, in no particular order. */
  componentFields: Readonly<Record<string, AgentSpecComponentField>>;
  /**
   * Fields whose `{{ name }}` placeholders are the component's inferred inputs (the spec's
   * "inputs inferred from placeholders" components only).
   */
  placeholderFields?: readonly string[];
}

const one = (family: AgentSpecComponentFamily): AgentSpecComponentField => ({ holds: 'one', family });
const list = (family: AgentSpecComponentFamily): AgentSpecComponentField => ({ holds: 'list', family });
const none: AgentSpecComponentTypeInfo = { componentFields: {} };
const HTTP_PLACEHOLDER_FIELDS = [
  'url',
  'http_method',
  'api_spec_uri',
  'data',
  'query_params',
  'headers',
] as const;
const summarizationTransform: AgentSpecComponentTypeInfo = {
  componentFields: { llm: one('LlmConfig'), datastore: one('Datastore') },
};
const remoteTransport: AgentSpecComponentTypeInfo = { componentFields: { auth: one('AuthConfig') } };

export const AGENTSPEC_COMPONENT_TYPES: Readonly<Record<string, AgentSpecComponentTypeInfo>> = {
  // Flows, nodes and edges.
  Flow: {
    componentFields: {
      start_node: one('Node'),
      nodes: list('Node'),
      control_flow_connections: list('ControlFlowEdge'),
      data_flow_connections: list('DataFlowEdge'),
    },
  },
  StartNode: none,
  EndNode: none,
  LlmNode: { componentFields: { llm_config: one('LlmConfig') }, placeholderFields: ['prompt_template'] },
  ApiNode: { componentFields: {}, placeholderFields: HTTP_PLACEHOLDER_FIELDS },
  AgentNode: { componentFields: { agent: one('AgenticComponent') } },
  FlowNode: { componentFields: { subflow: one('Flow') } },
  MapNode: { componentFields: { subflow: one('Flow') } },
  ParallelMapNode: { componentFields: { subflow: one('Flow') } },
  ParallelFlowNode: { componentFields: { subflows: list('Flow') } },
  BranchingNode: none,
  ToolNode: { componentFields: { tool: one('Tool') } },
  InputMessageNode: { componentFields: {}, placeholderFields: ['message'] },
  OutputMessageNode: { componentFields: {}, placeholderFields: ['message'] },
  CatchExceptionNode: { componentFields: { subflow: one('Flow') } },
  ControlFlowEdge: { componentFields: { from_node: one('Node'), to_node: one('Node') } },
  DataFlowEdge: { componentFields: { source_node: one('Node'), destination_node: one('Node') } },

  // Agentic components.
  Agent: {
    componentFields: {
      llm_config: one('LlmConfig'),
      tools: list('Tool'),
      toolboxes: list('ToolBox'),
      transforms: list('MessageTransform'),
    },
    placeholderFields: ['system_prompt'],
  },
  Swarm: {
    componentFields: {
      first_agent: one('AgenticComponent'),
      relationships: { holds: 'pairs', family: 'AgenticComponent' },
    },
  },
  ManagerWorkers: {
    componentFields: { group_manager: one('AgenticComponent'), workers: list('AgenticComponent') },
  },
  SpecializedAgent: {
    componentFields: {
      agent: one('Agent'),
      agent_specialization_parameters: one('AgentSpecializationParameters'),
    },
  },
  AgentSpecializationParameters: { componentFields: { additional_tools: list('Tool') } },
  A2AAgent: { componentFields: { connection_config: one('A2AConnectionConfig') } },
  A2AConnectionConfig: none,
  OciAgent: { componentFields: { client_config: one('OciClientConfig') } },

  // LLM configurations.
  LlmConfig: none,
  OpenAiCompatibleConfig: none,
  VllmConfig: none,
  OllamaConfig: none,
  OpenAiConfig: none,
  OciGenAiConfig: { componentFields: { client_config: one('OciClientConfig') } },
  GeminiConfig: { componentFields: { auth: one('GeminiAuthConfig') } },
  GeminiAIStudioAuthConfig: none,
  GeminiVertexAIAuthConfig: none,
  OciClientConfigWithApiKey: none,
  OciClientConfigWithInstancePrincipal: none,
  OciClientConfigWithResourcePrincipal: none,
  OciClientConfigWithSecurityToken: none,

  // Tools, toolboxes and MCP.
  ServerTool: none,
  ClientTool: none,
  RemoteTool: { componentFields: {}, placeholderFields: HTTP_PLACEHOLDER_FIELDS },
  BuiltinTool: none,
  MCPTool: { componentFields: { client_transport: one('ClientTransport') } },
  MCPToolBox: {
    componentFields: {
      client_transport: one('ClientTransport'),
      tool_filter: { holds: 'list', family: 'MCPToolSpec', stringsAllowed: true },
    },
  },
  MCPToolSpec: none,
  StdioTransport: none,
  SSETransport: remoteTransport,
  SSEmTLSTransport: remoteTransport,
  StreamableHTTPTransport: remoteTransport,
  StreamableHTTPmTLSTransport: remoteTransport,
  OAuthConfig: { componentFields: { client: one('OAuthClientConfig') } },
  OAuthClientConfig: none,

  // Message transforms and datastores.
  MessageSummarizationTransform: summarizationTransform,
  ConversationSummarizationTransform: summarizationTransform,
  InMemoryCollectionDatastore: none,
  OracleDatabaseDatastore: { componentFields: { connection_config: one('OracleDatabaseConnectionConfig') } },
  PostgresDatabaseDatastore: {
    componentFields: { connection_config: one('PostgresDatabaseConnectionConfig') },
  },
  TlsOracleDatabaseConnectionConfig: none,
  MTlsOracleDatabaseConnectionConfig: none,
  TlsPostgresDatabaseConnectionConfig: none,
};

export function isAgentSpecComponentType(componentType: string): boolean {
  return Object.hasOwn(AGENTSPEC_COMPONENT_TYPES, componentType);
}

/** The fields of a component type that hold components (none for unknown types). */
export function componentFieldsOf(componentType: string): Readonly<Record<string, AgentSpecComponentField>> {
  return isAgentSpecComponentType(componentType)
    ? AGENTSPEC_COMPONENT_TYPES[componentType]!.componentFields
    : {};
}

export function isInFamily(componentType: string, family: AgentSpecComponentFamily): boolean {
  return (AGENTSPEC_COMPONENT_FAMILIES[family] as readonly string[]).includes(componentType);
}
