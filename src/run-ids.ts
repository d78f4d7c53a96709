/**
 * The run id namespaces of Heed's own runs. Every internal run id is made here, so this list is
 * the whole of them: `POST /v1/runs` refuses ids in these namespaces (a caller's run named
 * `task:abc` would otherwise take the id of task abc's lifecycle run). Child runs are named
 * `<parent id>:<seq>`, inside their parent's namespace.
 */
export const INTERNAL_RUN_NAMESPACES = [
  /** A task's lifecycle (human/task-workflow.ts). */
  'task',
  /** The delivery of one notice to one address (channels/delivery.ts). */
  'channel',
  /** Closing the other channels' copies of an ended task (channels/closer.ts). */
  'channel-close',
  /** A chat thread (chat/thread.ts). */
  'chat',
  /** An outgoing webhook delivery (server/webhooks/dispatcher.ts). */
  'webhook',
  /** A task of the A2A agent and its workflow run (a2a/workflow.ts). */
  'a2a',
  /** Moving someone's pending tasks to their delegate when their absence starts (human/away.ts). */
  'away',
  /** The daily digest email of one day (channels/digest.ts). */
  'digest',
] as const;

export type InternalRunNamespace = (typeof INTERNAL_RUN_NAMESPACES)[number];

/** The id of Heed's own run `key` in `namespace`, e.g. `task:<task id>`. */
export function internalRunId(namespace: InternalRunNamespace, key: string): string {
  return `${namespace}:${key}`;
}

/** What `runId` names in `namespace` (`task:abc` in `task` → `abc`); undefined when it is not in it. */
export function internalRunKey(namespace: InternalRunNamespace, runId: string): string | undefined {
  return runId.startsWith(`${namespace}:`) ? runId.slice(namespace.length + 1) : undefined;
}

/** The namespace of an internal run id (`task:abc` → `task`), undefined for any other id. */
export function internalNamespaceOf(runId: string): InternalRunNamespace | undefined {
  const colon = runId.indexOf(':');
  if (colon < 0) return undefined;
  const prefix = runId.slice(0, colon);
  return INTERNAL_RUN_NAMESPACES.find((namespace) => namespace === prefix);
}
