/**
 * `heed/mastra`: Mastra workflows whose steps `suspend()` for a person's approval; each suspension
 * is a durable Heed approval task, the run's snapshot waits in Heed's store, and the step resumes
 * with `run.resume({step, resumeData: decision})` when a person decides.
 */
export { type ApprovalPolicy, rejectionMessage, type ToolDecision } from '../agent/approval-rounds.ts';
export {
  type MastraInput,
  type MastraOutput,
  type MastraWorkflowOptions,
  mastraWorkflow,
  type PendingSuspension,
} from './workflow.ts';
