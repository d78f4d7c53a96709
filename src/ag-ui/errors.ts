import { HeedError } from '../errors.ts';

/**
 * A run on a thread whose turn waits for people, without a `resume` answering every open
 * interrupt (AG-UI 1.0 "Interrupts", rules 3 and 4). Sent as `RUN_ERROR`; nothing is answered.
 */
export class InterruptPendingError extends HeedError {
  constructor(message: string) {
    super('INTERRUPT_PENDING', message);
  }
}

/** A resume entry whose `interruptId` is no interrupt of this thread. Sent as `RUN_ERROR`. */
export class UnknownInterruptError extends HeedError {
  constructor(id: string) {
    super('INTERRUPT_NOT_FOUND', `No interrupt ${id} on this thread`);
  }
}

/** A resume that answers an interrupt after its `expiresAt` (the task's deadline decided it). */
export class InterruptExpiredError extends HeedError {
  constructor(id: string, at: string) {
    super(
      'INTERRUPT_EXPIRED',
      `Interrupt ${id} expired at ${at} and its deadline decided it: resume it with status "cancelled" to continue`,
    );
  }
}

/** A resume whose payload does not fit its interrupt (see the interrupt's `responseSchema`). */
export class InvalidResumeError extends HeedError {
  constructor(message: string) {
    super('INVALID_RESUME', message);
  }
}

/** A run with nothing to do: no new user message and no resume. */
export class NothingToRunError extends HeedError {
  constructor(message = 'The last message must be a user message, or the input must resume the open interrupts') {
    super('NOTHING_TO_RUN', message);
  }
}

/** A run input Heed cannot take (a message id it cannot keep, a message without text). HTTP 422. */
export class InvalidRunInputError extends HeedError {
  constructor(message: string) {
    super('INVALID_REQUEST', message);
  }
}
