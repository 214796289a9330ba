export { review } from './review.js';
export type { AgentSpecReview, ReviewOptions } from './review.js';
export type { ReviewFinding } from './ReviewFinding.js';
export { AGENT_SPEC_REVIEW_CODES } from './reviewCodes.js';
export type { AgentSpecReviewCode, ReviewSeverity } from './reviewCodes.js';
export { findCredentials } from './findCredentials.js';
export type { CredentialMatch } from './findCredentials.js';
