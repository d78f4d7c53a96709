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
]);
export const AUTH = { keys: KEYS, admins: new Set(['user:admin']) };
export const CALLBACK_SECRET = `whsec_${Buffer.from('a2a-test-secret-0123456789abcdef').toString('base64')}`;

/** The server's policies: ops decide deploys within an hour (silence rejects) and answer questions. */
export const POLICIES: ApprovalPolicy[] = [
  {
    name: 'deploys',
    match: { tool: 'deploy' },
    approvers: ['user:ops'],
    deadline: { default: '1h', max: '1h' },
    onTimeout: 'reject',
    remind: { after: '10m', max: 1 },
  },
  { name: 'questions', match: { type: ['clarification', 'form'] }, approvers: ['user:ops'] },
  { name: 'refunds', match: { workflow: 'refund' }, approvers: ['user:ops'] },
];

/** The official A2A client for the agent at `url` (card at `/.well-known/agent-card.json`), with an API key or none. */
export async function a2aClient(url: string, key?: string): Promise<Client> {
  const fetchImpl = key
    ? createAuthenticatingFetchWithRetry(fetch, {
        headers: async () => ({ authorization: `Bearer ${key}` }),
        shouldRetryWithHeaders: async () => undefined,
      })
    : fetch;
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
