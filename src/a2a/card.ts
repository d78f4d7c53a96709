import type { AgentCard, AgentSkill } from '@a2a-js/sdk';
import type { A2AWorkflowInfo } from '../engine/workflow.ts';
import { APPROVAL_SKILL, QUESTION_SKILL } from './skills.ts';

const VERSION = '0.1.0';

export interface CardOptions {
  /** The `/a2a` endpoint's absolute URL. */
  url: string;
  /** The workflows registered with `a2a` (see `WorkflowOptions.a2a`). */
  workflows: readonly A2AWorkflowInfo[];
  /** Whether push notifications can be signed (a callback secret is configured). */
  pushNotifications: boolean;
  /** Development mode: callers name themselves in `X-Heed-Principal` instead of a key. */
  devMode: boolean;
}

const JSON_MODES = ['application/json', 'text/plain'];

/**
 * Heed's agent card (`/.well-known/agent-card.json`): the JSON-RPC interface at `/a2a` (A2A 1.0),
 * streaming and push notifications, bearer authentication with a Heed API key, and the skills:
 * `request_approval`, `ask_human`, and every workflow registered with `a2a`.
 */
export function agentCard(options: CardOptions): AgentCard {
  const scheme = options.devMode ? 'heedPrincipal' : 'heedKey';
  return {
    name: 'Heed',
    description:
      'Asks people and waits, durably, for their decision: approvals of an action with its arguments, questions, ' +
      "and workflows that involve people. Reminders, escalation, deadlines and an audit trail are Heed's; the " +
      "people asked are chosen by the server's approval policy, and never the caller itself.",
    supportedInterfaces: [{ url: options.url, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: '1.0' }],
    provider: undefined,
    version: VERSION,
    capabilities: {
      streaming: true,
      pushNotifications: options.pushNotifications,
      extensions: [],
      extendedAgentCard: false,
    },
    securitySchemes: {
      [scheme]: options.devMode
        ? {
            scheme: {
              $case: 'apiKeySecurityScheme',
              value: {
                description: 'Development mode (no API keys, loopback only): the principal you act as',
                location: 'header',
                name: 'X-Heed-Principal',
              },
            },
          }
        : {
            scheme: {
              $case: 'httpAuthSecurityScheme',
              value: { description: 'A Heed API key (config `keys`)', scheme: 'Bearer', bearerFormat: '' },
            },
          },
    },
    securityRequirements: [{ schemes: { [scheme]: { list: [] } } }],
    defaultInputModes: JSON_MODES,
    defaultOutputModes: ['application/json', 'text/plain'],
    skills: [
      skill(
        APPROVAL_SKILL,
        'Request approval',
        'Asks people to approve an action with its arguments before you take it, and completes with the ' +
          'decision: a data part {outcome, approved, by, comment, args, ...}. Act only when approved, and with ' +
          'those args (an approver may edit them). Send a data part {action, args, title?, description?, ' +
          'allowEdit?, assignees?, deadline?, onTimeout?}. While people decide the task is working, its status ' +
          'saying who was asked.',
        ['approval', 'human-in-the-loop'],
        ['{"skill": "request_approval", "action": "deploy", "args": {"service": "api", "version": "1.4.2"}}'],
      ),
      skill(
        QUESTION_SKILL,
        'Ask a person',
        'Asks people a question and completes with the answer: a data part {answer, by, ...}. Send a text ' +
          '(the question), or a data part {question, details?, choices?, schema?, assignees?, deadline?}: with ' +
          'choices the answer is one of them; with a JSON Schema the person fills in a form and the answer is its data.',
        ['question', 'human-in-the-loop'],
        ['Which region should the new cluster run in?'],
      ),
      ...options.workflows.map((w) =>
        skill(
          w.name,
          w.name,
          w.description ??
            `Runs the workflow "${w.name}" (people may be asked on the way) and completes with its output. ` +
              'Send its input as a data part.',
          ['workflow'],
          [],
        ),
      ),
    ],
    signatures: [],
  };
}

function skill(id: string, name: string, description: string, tags: string[], examples: string[]): AgentSkill {
  return {
    id,
    name,
    description,
    tags,
    examples,
    inputModes: JSON_MODES,
    outputModes: ['application/json'],
    securityRequirements: [],
  };
}
