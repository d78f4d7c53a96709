import { type Message, type Part, Role, type SendMessageRequest, type StreamResponse } from '@a2a-js/sdk';
import {
  type Client,
  ClientFactory,
  ClientFactoryOptions,
  createAuthenticatingFetchWithRetry,
  JsonRpcTransportFactory,
} from '@a2a-js/sdk/client';
import type { ApprovalPolicy } from '../../src/human/policies/policy.ts';

export const KEYS = new Map([
  ['key-agent', 'user:agent'],
  ['key-ops', 'user:ops'],
  ['key-mallory', 'user:mallory'],
  ['key-admin', 'user:admin'],
  ['key-boss', 'user:boss'],
]);
export const AUTH = { keys: KEYS, admins: new Set(['user:admin']) };
export const CALLBACK_SECRET = `whsec_${Buffer.from('a2a-test-secret-0123456789abcdef').toString('base64')}`;

/**
 * The server's policies: ops decide deploys within an hour (reminded after 10 minutes, the boss added
 * after 30; silence rejects), answer questions and approve refunds.
 */
export const POLICIES: ApprovalPolicy[] = [
  {
    name: 'deploys',
    match: { tool: 'deploy' },
    approvers: ['user:ops'],
    deadline: { default: '1h', max: '1h' },
    onTimeout: 'reject',
    remind: { after: '10m', max: 1 },
    escalate: [{ after: '30m', to: ['user:boss'] }],
  },
  { name: 'questions', match: { type: ['clarification', 'form'] }, approvers: ['user:ops'] },
  { name: 'refunds', match: { workflow: 'refund' }, approvers: ['user:ops'] },
];

/**
 * The official A2A client for the agent at `url` (card at `/.well-known/agent-card.json`), with an
 * API key, or (development mode) the principal it acts as, or neither.
 */
export async function a2aClient(url: string, key?: string, as?: string): Promise<Client> {
  const headers = { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(as ? { 'x-heed-principal': as } : {}) };
  const fetchImpl = createAuthenticatingFetchWithRetry(fetch, {
    headers: async () => headers,
    shouldRetryWithHeaders: async () => undefined,
  });
  const factory = new ClientFactory(
    ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
      transports: [new JsonRpcTransportFactory({ fetchImpl })],
    }),
  );
  return factory.createFromUrl(url);
}

export function dataPart(value: unknown): Part {
  return { content: { $case: 'data', value }, mediaType: 'application/json', filename: '', metadata: {} };
}

export function textPart(value: string): Part {
  return { content: { $case: 'text', value }, mediaType: 'text/plain', filename: '', metadata: {} };
}

/** A SendMessage request with one message of `parts`. */
export function send(
  parts: Part[],
  configuration: Partial<NonNullable<SendMessageRequest['configuration']>> = {},
): SendMessageRequest {
  const message: Message = {
    messageId: crypto.randomUUID(),
    contextId: '',
    taskId: '',
    role: Role.ROLE_USER,
    parts,
    metadata: {},
    extensions: [],
    referenceTaskIds: [],
  };
  return {
    tenant: '',
    message,
    configuration: {
      acceptedOutputModes: [],
      taskPushNotificationConfig: undefined,
      returnImmediately: false,
      ...configuration,
    },
    metadata: {},
  };
}

/** The data of a part (a data part's value), or `undefined`. */
export function dataOf(part: Part | undefined): Record<string, unknown> | undefined {
  return part?.content?.$case === 'data' ? (part.content.value as Record<string, unknown>) : undefined;
}

/** The text of a part, or `undefined`. */
export function textOf(part: Part | undefined): string | undefined {
  return part?.content?.$case === 'text' ? part.content.value : undefined;
}

/** What a stream event is, for assertions: its kind and state. */
export function kindOf(event: StreamResponse): string {
  const payload = event.payload;
  if (!payload) return 'none';
  if (payload.$case === 'task') return `task:${payload.value.status?.state}`;
  if (payload.$case === 'statusUpdate') return `status:${payload.value.status?.state}`;
  if (payload.$case === 'artifactUpdate') return `artifact:${payload.value.artifact?.artifactId}`;
  return 'message';
}
