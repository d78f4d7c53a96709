import { RefusalGuard, type RefusalGuardOptions } from '../authorization/refusal-guard.ts';

/** Why a one-click link attempt was refused and counted (see `routes/links.ts`). */
export type LinkRefusal = 'forged' | 'expired' | 'used';

/**
 * Refused one-click link attempts: counted by reason, limited per client (the address
 * `ClientAddress` resolves), and recorded in a task's audit chain at most once per link and
 * reason. A forged token names nobody and no trustworthy task, so it is only counted: a flood of
 * forgeries cannot grow an audit chain. A valid, unused link is never refused for its client's
 * past refusals. `GET /v1/health` shows the counts (`linkRefusals`).
 */
export class LinkGuard extends RefusalGuard<LinkRefusal> {
  constructor(options: RefusalGuardOptions = {}) {
    super(['forged', 'expired', 'used'], options);
  }
}
