import type { Classification } from '../authz/ClassificationRegistry.js';

/**
 * Who may call models and manage what calls cost. A call is authorized against the workspace,
 * or against the organization it is billed to (so only its members can spend its budget).
 * Usage and budgets of one organization are visible to its admins; prices, budgets and the
 * instance settings are changed by platform admins only (an org admin raising their own budget
 * would make budgets moot).
 */
export const LLM_CLASSIFICATIONS: Classification[] = [
  {
    resourceType: 'llm',
    action: 'invoke',
    level: 'read',
    description: 'Call a model through the LLM orchestrator (billed to the workspace or an own organization)',
  },
  {
    resourceType: 'llm_settings',
    action: 'read',
    level: 'read',
    description: 'Read the default and fallback model, retry policy and skill judge',
  },
  {
    resourceType: 'llm_settings',
    action: 'manage',
    level: 'admin',
    description: 'Change the default and fallback model, retry policy and skill judge',
  },
  { resourceType: 'llm_price', action: 'read', level: 'read', description: 'List model prices' },
  {
    resourceType: 'llm_price',
    action: 'manage',
    level: 'admin',
    description: 'Set or remove model prices',
  },
  {
    resourceType: 'llm_budget',
    action: 'read',
    level: 'admin',
    description: "List an organization's LLM budgets and spend",
  },
  {
    resourceType: 'llm_budget',
    action: 'manage',
    level: 'admin',
    description: "Set or remove an organization's LLM budget",
  },
  {
    resourceType: 'llm_usage',
    action: 'read',
    level: 'admin',
    description: 'Read LLM usage and cost summaries',
  },
];
