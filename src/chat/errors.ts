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

/** A regenerate request for a reply that is not the chat's latest (409): only the latest can be redone. */
export class ChatNotLatestError extends HeedError {
  constructor(message = 'Only the reply to the latest message can be regenerated') {
    super('CHAT_NOT_LATEST', message);
  }
}
