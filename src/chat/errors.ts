import { HeedError } from '../errors.ts';

/** A new message while the chat's previous turn is still going on (409). */
export class ChatBusyError extends HeedError {
  constructor(message: string) {
    super('CHAT_BUSY', message);
  }
}

/** No such chat, or not one the caller may see (404: its existence is not leaked). */
export class ChatNotFoundError extends HeedError {
  constructor(message = 'No such chat') {
    super('CHAT_NOT_FOUND', message);
  }
}
