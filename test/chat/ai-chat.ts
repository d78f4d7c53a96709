import { AbstractChat, type ChatInit, type ChatState, type ChatStatus, DefaultChatTransport, type UIMessage } from 'ai';

/** A chat state in plain memory: what `@ai-sdk/react` keeps in React state, for Node tests. */
class MemoryChatState implements ChatState<UIMessage> {
  status: ChatStatus = 'ready';
  error: Error | undefined = undefined;
  messages: UIMessage[];
  constructor(messages: UIMessage[] = []) {
    this.messages = messages;
  }
  pushMessage = (message: UIMessage) => {
    this.messages = [...this.messages, message];
  };
  popMessage = () => {
    this.messages = this.messages.slice(0, -1);
  };
  replaceMessage = (index: number, message: UIMessage) => {
    this.messages = this.messages.map((m, i) => (i === index ? message : m));
  };
  snapshot = <T>(thing: T): T => structuredClone(thing);
}

/** The AI SDK's own `Chat` machinery (`AbstractChat`, as `useChat` uses it) with a memory state. */
export class TestChat extends AbstractChat<UIMessage> {
  constructor(init: ChatInit<UIMessage>) {
    super({ ...init, state: new MemoryChatState(init.messages) });
  }
}

/** A `DefaultChatTransport` for `url`'s `/v1/chat` as `principal` (development mode). */
export function transportFor(url: string, principal: string, body?: Record<string, unknown>) {
  return new DefaultChatTransport<UIMessage>({
    api: `${url}/v1/chat`,
    headers: { 'x-heed-principal': principal },
    ...(body ? { body } : {}),
  });
}

/** The text of a message's text parts. */
export function textOf(message: UIMessage | undefined): string {
  return (message?.parts ?? []).flatMap((p) => (p.type === 'text' ? [p.text] : [])).join('');
}
