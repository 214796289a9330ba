export { compile } from './compile.js';
export type { CompileOptions } from './compile.js';
export { AgentCompileError } from './AgentCompileError.js';
export type {
  ApprovalPolicy,
  ApprovalReason,
  ApprovalStep,
  CompiledAgent,
  CompiledFlow,
  CompiledPlanStep,
  CompiledTransition,
  ObjectJsonSchema,
} from './CompiledAgent.js';
