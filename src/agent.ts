/** `heed/agent`: the durable agent loop, approval policies, and the offline model. */
export { type AgentOptions, type AgentTurn, runAgent } from './agent/agent.ts';
export { modelFromEnvironment } from './agent/models.ts';
export { OfflineModel } from './agent/offline-model.ts';
export type { AgentTool, ApprovalPolicy, ApprovalRule, ToolSetSpec } from './agent/types.ts';
export type { ChatTurnInput } from './agent/types.ts';
export {
  AiSdkApprovals,
  type AiSdkApprovalOptions,
  type ApprovalDesk,
  type ApprovalTask,
  embeddedDesk,
  httpDesk,
  type PendingApproval,
  pendingApprovals,
  type Resolution,
} from './agent/ai-sdk-approvals.ts';
