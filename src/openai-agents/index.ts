/**
 * `heed/openai-agents`: OpenAI Agents JS agents whose `needsApproval` tool calls become durable
 * Heed approval tasks; the run state waits in the store and resumes when a person decides.
 */
export type { AgentSnapshot, PendingApproval } from './snapshot.ts';
export {
  type ApprovalPolicy,
  type OpenAIAgentInput,
  type OpenAIAgentOutput,
  type OpenAIAgentWorkflowOptions,
  openAIAgentWorkflow,
  type ToolDecision,
} from './workflow.ts';
