import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3Content,
  LanguageModelV3GenerateResult,
  LanguageModelV3StreamPart,
} from '@ai-sdk/provider';

/** An intent the offline model recognised in a request: a tool to call with its input. */
interface Intent {
  tool: string;
  input: Record<string, unknown>;
}

const money = '\\$?\\s*(\\d+(?:\\.\\d+)?)';
const RULES: { tool: string; pattern: RegExp; input: (m: RegExpMatchArray) => Record<string, unknown> }[] = [
  {
    tool: 'transfer',
    pattern: new RegExp(`(?:transfer|send|pay)\\s+${money}\\s+(?:dollars\\s+)?to\\s+([A-Za-z][\\w-]*)`, 'gi'),
    input: (m) => ({ to: capitalize(m[2] ?? ''), amount: Number(m[1]) }),
  },
  { tool: 'deposit', pattern: new RegExp(`deposit\\s+${money}`, 'gi'), input: (m) => ({ amount: Number(m[1]) }) },
  { tool: 'check_balance', pattern: /\bbalance\b/gi, input: () => ({}) },
  {
    tool: 'ask_developer',
    pattern: /\bticket\s+([A-Z]+-\d+)\b[:,]?\s*(.*)/gi,
    input: (m) => ({ ticketId: m[1], question: `Can you help with ticket ${m[1]}? ${m[2] ?? ''}`.trim() }),
  },
  { tool: 'search_release_notes', pattern: /\brelease notes\b/gi, input: () => ({}) },
  { tool: 'export_data', pattern: /\bexport\s+([\w.-]+)/gi, input: (m) => ({ dataset: m[1] }) },
  { tool: 'deploy', pattern: /\b([a-z]{2}-[a-z]+-\d)\b/g, input: (m) => ({ region: m[1] }) },
];

/**
 * A deterministic, offline language model for the demo and the tests. It implements the AI SDK's
 * `LanguageModelV3` interface, so it plugs in wherever a real model does, and answers with real
 * tool calls in the same format: it recognises transfers, deposits and balance checks, support
 * tickets, exports, and when a request is ambiguous it asks a human through `contact_human`.
 * After tool results it writes a short reply from them. With a JSON response format (the
 * "router" style) it returns an action plan `{actions: [...]}`.
 */
export class OfflineModel implements LanguageModelV3 {
  readonly specificationVersion = 'v3';
  readonly provider = 'heed-offline';
  readonly modelId = 'heed-offline-1';
  readonly supportedUrls = {};

  async doGenerate(options: LanguageModelV3CallOptions): Promise<LanguageModelV3GenerateResult> {
    const content = this.#respond(options);
    const calls = content.some((c) => c.type === 'tool-call');
    return {
      content,
      finishReason: { unified: calls ? 'tool-calls' : 'stop', raw: calls ? 'tool_calls' : 'stop' },
      usage: {
        inputTokens: { total: 0, noCache: 0, cacheRead: 0, cacheWrite: 0 },
        outputTokens: { total: 0, text: 0, reasoning: 0 },
      },
      warnings: [],
    };
  }

  async doStream(options: LanguageModelV3CallOptions) {
    const result = await this.doGenerate(options);
    const parts: LanguageModelV3StreamPart[] = [{ type: 'stream-start', warnings: [] }];
    for (const item of result.content) {
      if (item.type === 'text') {
        // Word by word, as a real model streams tokens.
        parts.push({ type: 'text-start', id: 't' });
        for (const word of item.text.match(/\s*\S+/g) ?? []) parts.push({ type: 'text-delta', id: 't', delta: word });
        parts.push({ type: 'text-end', id: 't' });
      } else if (item.type === 'tool-call') parts.push(item);
    }
    parts.push({ type: 'finish', finishReason: result.finishReason, usage: result.usage });
    return {
      stream: new ReadableStream<LanguageModelV3StreamPart>({
        start: (c) => {
          for (const p of parts) c.enqueue(p);
          c.close();
        },
      }),
    };
  }

  #respond(options: LanguageModelV3CallOptions): LanguageModelV3Content[] {
    const last = options.prompt.at(-1);
    const tools = new Set((options.tools ?? []).filter((t) => t.type === 'function').map((t) => t.name));
    if (last?.role === 'tool') {
      // A person answered a question: act on the original request with their answer, once.
      const answer = humanAnswer(last.content);
      const called = new Set(
        options.prompt.flatMap((m) =>
          m.role === 'assistant' ? m.content.filter((p) => p.type === 'tool-call').map((p) => p.toolName) : [],
        ),
      );
      if (answer !== undefined) {
        const firstUser = options.prompt.find((m) => m.role === 'user');
        const original =
          firstUser?.role === 'user' ? firstUser.content.map((p) => (p.type === 'text' ? p.text : '')).join(' ') : '';
        const next = parseIntents(`${original} ${answer}`).filter((i) => tools.has(i.tool) && !called.has(i.tool));
        if (next.length > 0) return toolCalls(next, `${original} ${answer}`);
      }
      return [{ type: 'text', text: summarize(last.content) }];
    }
    const request = last?.role === 'user' ? last.content.map((p) => (p.type === 'text' ? p.text : '')).join(' ') : '';
    const intents = parseIntents(request);
    if (options.responseFormat?.type === 'json') {
      // Only the action types the requested schema allows, with sensible amounts.
      const allowed = constValues(options.responseFormat.schema);
      const actions = intents
        .filter((i) => allowed.size === 0 || allowed.has(i.tool))
        .filter((i) => typeof i.input.amount !== 'number' || i.input.amount > 0)
        .map((i) => ({ type: i.tool, ...i.input }));
      return [{ type: 'text', text: JSON.stringify({ actions }) }];
    }
    const callable = intents.filter((i) => tools.has(i.tool));
    if (
      callable.length === 0 &&
      tools.has('contact_human') &&
      /\b(which|should i|not sure|unsure|what (?:region|option))\b/i.test(request)
    ) {
      callable.push({
        tool: 'contact_human',
        input: { question: request.trim(), context: 'The request is ambiguous; a person must choose.' },
      });
    }
    if (callable.length === 0) {
      const abilities = (options.tools ?? [])
        .filter((t) => t.type === 'function' && t.name !== 'contact_human' && t.description)
        .map((t) => (t.type === 'function' ? lowerFirst(String(t.description).replace(/[.]+$/, '')) : ''));
      return [
        {
          type: 'text',
          text:
            abilities.length > 0
              ? `I can ${listed(abilities)}. What would you like to do?`
              : 'I have no tools to act with yet. What would you like to know?',
        },
      ];
    }
    return toolCalls(callable, request);
  }
}

/** Every `const` (and single-value `enum`) in a JSON Schema: the literal action types it allows. */
function constValues(schema: unknown, found = new Set<string>()): Set<string> {
  if (schema && typeof schema === 'object') {
    const node = schema as { const?: unknown; enum?: unknown };
    if (typeof node.const === 'string') found.add(node.const);
    if (Array.isArray(node.enum) && node.enum.length === 1 && typeof node.enum[0] === 'string') found.add(node.enum[0]);
    for (const value of Object.values(schema)) constValues(value, found);
  }
  return found;
}

function toolCalls(intents: Intent[], seed: string): LanguageModelV3Content[] {
  return intents.map((intent, i) => ({
    type: 'tool-call',
    toolCallId: `call_${hash(seed)}_${i}`,
    toolName: intent.tool,
    input: JSON.stringify(intent.input),
  }));
}

/** The answer in a `contact_human` result, if this tool message carries one. */
function humanAnswer(content: readonly { type: string; toolName?: string; output?: unknown }[]): string | undefined {
  for (const part of content) {
    if (part.type !== 'tool-result' || part.toolName !== 'contact_human') continue;
    const value = (part.output as { value?: { answer?: unknown } } | undefined)?.value;
    if (value && typeof value.answer === 'string') return value.answer;
  }
  return undefined;
}

function parseIntents(text: string): Intent[] {
  const found: { at: number; intent: Intent }[] = [];
  for (const rule of RULES) {
    for (const match of text.matchAll(rule.pattern))
      found.push({ at: match.index ?? 0, intent: { tool: rule.tool, input: rule.input(match) } });
  }
  return found.sort((a, b) => a.at - b.at).map((f) => f.intent);
}

/** A reply written from tool results: the `message` of each result if it has one, else its JSON. */
function summarize(content: readonly { type: string; toolName?: string; output?: unknown }[]): string {
  return content
    .filter((part) => part.type === 'tool-result')
    .map((part) => {
      const output = part.output as { type: string; value?: unknown; reason?: unknown } | undefined;
      if (output?.type === 'execution-denied') {
        const reason = typeof output.reason === 'string' ? output.reason.trim().replace(/[.!?]+$/, '') : '';
        return reason ? `I did not do it: ${reason}.` : 'I did not do it: it was not approved.';
      }
      const value = output?.value as { message?: unknown } | string | undefined;
      if (typeof value === 'string') return value;
      if (value && typeof value.message === 'string') return value.message;
      return `Done: ${JSON.stringify(value)}`;
    })
    .join(' ');
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** "a", "a or b", "a, b or c". */
function listed(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

function hash(text: string): string {
  let h = 0;
  for (const ch of text) h = (h * 31 + (ch.codePointAt(0) ?? 0)) >>> 0;
  return h.toString(36);
}
