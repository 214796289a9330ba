export { validate } from './validate.js';
export type { AgentSpecValidation, ValidateOptions } from './validate.js';
export { AGENT_SPEC_VALIDATION_CODES } from './validationCodes.js';
export type { AgentSpecValidationCode } from './validationCodes.js';
export { isTypeCompatible } from './isTypeCompatible.js';
