import { describe, expect, it } from 'vitest';
import { testServer } from './helpers.ts';

describe('signed one-click links', () => {
  async function linkFor(s: Awaited<ReturnType<typeof testServer>>, outcome = 'approve', expiresIn?: number) {
    const task = (
      await s.call('POST', '/v1/tasks', {
        body: { type: 'approval', title: 'Wire $900?', assignees: ['email:bob@example.com'] },
      })
    ).body;
    const link = await s.call('POST', `/v1/tasks/${task.id}/links`, {
      body: { principal: 'email:bob@example.com', outcome, ...(expiresIn ? { expiresIn } : {}) },
    });
    expect(link.status).toBe(201);
    return { task, url: link.body.url as string };
  }

  it('shows a confirmation page on GET and changes nothing; answers on POST, once', async () => {
    const s = await testServer();
    const { task, url } = await linkFor(s);
    const shown = await fetch(url);
    expect(shown.status).toBe(200);
    expect(await shown.text()).toContain('Confirm: Approve');
    await fetch(url); // a mail scanner following it again
    expect((await s.heed.tasks.get(task.id))?.status).toBe('pending');

    const used = await fetch(url, { method: 'POST' });
    expect(used.status).toBe(200);
    expect(await used.text()).toContain('recorded');
    expect((await s.heed.tasks.get(task.id))?.result).toMatchObject({
      outcome: 'approve',
      by: 'email:bob@example.com',
      via: 'link',
    });

    const again = await fetch(url, { method: 'POST' });
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('already used');
    const audit = await s.heed.tasks.audit(task.id);
    expect(audit.at(-1)).toMatchObject({ action: 'refused', via: 'link', detail: { reason: 'reused link' } });
    expect((await s.heed.tasks.verifyAudit(task.id)).ok).toBe(true);
  });

  it('refuses forged and expired links with a clear page, records the expired attempt once, changes nothing', async () => {
    const s = await testServer();
    const { task, url } = await linkFor(s, 'approve', 60);
    const [payload, mac] = (url.split('/t/')[1] ?? '').split('.');
    const forgedPayload = Buffer.from(
      JSON.stringify(
        JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()).map((v: unknown, i: number) =>
          i === 1 ? 'user:mallory' : v,
        ),
      ),
    ).toString('base64url');
    const forged = await fetch(`${s.url}/t/${forgedPayload}.${mac}`, { method: 'POST' });
    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain('not valid');

    await s.clock.advance('61s');
    const expired = await fetch(url, { method: 'POST' });
    expect(expired.status).toBe(400);
    expect(await expired.text()).toContain('expired');
    expect((await fetch(url)).status).toBe(400);

    expect((await s.heed.tasks.get(task.id))?.status).toBe('pending');
    // A forged token names nobody: counted, never written into the chain. The expired link (ours,
    // signature intact) is recorded, once however often it is tried.
    expect((await fetch(url, { method: 'POST' })).status).toBe(400);
    const refusals = (await s.heed.tasks.audit(task.id)).filter((e) => e.action === 'refused');
    expect(refusals.map((e) => [e.actor, (e.detail as { reason: string }).reason])).toEqual([
      ['email:bob@example.com', 'expired link'],
    ]);
    expect((await fetch(`${s.url}/t/garbage`, { method: 'POST' })).status).toBe(400);
  });

  it('takes only the exact token: a suffix, a changed encoding or a missing part is a forgery', async () => {
    const s = await testServer();
    const { task, url } = await linkFor(s);
    const [base, token] = url.split('/t/') as [string, string];
    const [payload, mac] = token.split('.') as [string, string];
    const variants = [`${token}x`, `${token}.x`, `${token}%20`, `${token}=`, token.slice(0, -1), `${payload}..${mac}`];
    for (const bad of variants.map((t) => `${base}/t/${t}`)) {
      const answer = await fetch(bad, { method: 'POST' });
      expect(answer.status, bad).toBe(400);
      expect(await answer.text()).toContain('not valid');
    }
    expect((await s.heed.tasks.get(task.id))?.status).toBe('pending');
    expect((await fetch(url, { method: 'POST' })).status).toBe(200);
  });

  it('asks for the comment a reject needs, without burning the link', async () => {
    const s = await testServer();
    const { task, url } = await linkFor(s, 'reject');
    expect(await (await fetch(url)).text()).toContain('Comment (required)');
    expect((await fetch(url, { method: 'POST' })).status).toBe(409);
    const ok = await fetch(url, { method: 'POST', body: new URLSearchParams({ comment: 'wrong account' }) });
    expect(ok.status).toBe(200);
    expect((await s.heed.tasks.get(task.id))?.result).toMatchObject({ outcome: 'reject', comment: 'wrong account' });
  });
});
