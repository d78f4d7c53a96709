/**
 * `heed/langgraph`: LangGraph.js graphs whose nodes call `interrupt(value)` for a person's
 * approval; each interrupt is a durable Heed approval task, the graph's thread waits in Heed's
 * store, and the graph resumes with `new Command({resume: decision})` when a person decides.
 */
export { type ApprovalPolicy, rejectionMessage, type ToolDecision } from '../agent/approval-rounds.ts';
export { HeedCheckpointer, type SavedThread } from './checkpointer.ts';
export {
  type LangGraphGraph,
  type LangGraphInput,
  type LangGraphOutput,
  type LangGraphWorkflowOptions,
  langGraphWorkflow,
  type PendingInterrupt,
} from './workflow.ts';
