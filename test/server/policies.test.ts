import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { testServer } from './helpers.ts';

const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => {})));
});

async function mcp(url: string, principal: string): Promise<Client> {
  const client = new Client({ name: 'policy-test', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
      requestInit: { headers: { 'x-heed-principal': principal } },
    }),
  );
  clients.push(client);
  return client;
}

const admins = { admins: new Set(['user:admin']) };

describe('approval policy on every surface', () => {
  it('MCP: an agent asking for a 1 s deadline that approves gets the server’s approvers, and silence never approves', async () => {
    const s = await testServer({ auth: admins, heed: { defaultApprovers: ['user:ops'] } });
    const client = await mcp(s.url, 'agent:bot');
    const result = (await client.callTool({
      name: 'request_approval',
      arguments: {
        action: 'transfer_money',
        args: { to: 'mallory', amount: 1_000_000 },
        assignees: ['user:mallory'],
        deadline: '1s',
        onTimeout: 'approve',
        wait: 0,
      },
    })) as CallToolResult;
    expect(result.isError).toBeFalsy();
    const content = result.structuredContent as { taskId: string; status: string; policy: unknown };
    expect(content).toMatchObject({
      status: 'pending',
      policy: {
        name: 'default',
        assignees: ['user:ops'],
        onTimeout: 'reject',
        ignored: [{ path: 'assignees' }, { path: 'onTimeout' }],
      },
    });
    await s.clock.advance('2s');
    await s.heed.idle();
    const task = await s.heed.tasks.get(content.taskId);
    expect(task?.result).toMatchObject({ status: 'resolved', outcome: 'reject', by: 'system' });
    const audit = await s.heed.tasks.audit(content.taskId);
    expect(audit[0]?.detail).toMatchObject({ policy: { name: 'default', version: expect.any(String) } });
  });

  it('MCP: with no policy and nobody named by the server, the request is refused (fail closed)', async () => {
    const s = await testServer({ auth: admins });
    const client = await mcp(s.url, 'agent:bot');
    const result = (await client.callTool({
      name: 'request_approval',
      arguments: { action: 'deploy', assignees: ['user:mallory'], wait: 0 },
    })) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toContain('POLICY_VIOLATION: No approval policy governs this approval');
    expect((await s.heed.tasks.list({})).items).toEqual([]);
  });

  it('HTTP: a non-admin’s looser request is refused with 422 naming the policy; an admin’s stands', async () => {
    const s = await testServer({
      auth: admins,
      heed: {
        policies: [{ name: 'deploys', match: { tool: 'deploy' }, approvers: ['group:sre'], deadline: '1d' }],
        defaultApprovers: ['user:admin'],
      },
    });
    const body = {
      type: 'approval',
      title: 'Deploy?',
      action: { tool: 'deploy', args: { env: 'prod' } },
      deadline: '1s',
      onTimeout: 'approve',
    };
    const refused = await s.call('POST', '/v1/tasks', { as: 'user:dev', body });
    expect(refused).toMatchObject({
      status: 422,
      body: { error: { code: 'POLICY_VIOLATION', issues: [{ path: 'onTimeout' }] } },
    });
    expect(refused.body.error.message).toContain('approval policy "deploys"');
    const strict = await s.call('POST', '/v1/tasks', {
      as: 'user:dev',
      body: { ...body, onTimeout: 'reject', quorum: 2 },
    });
    expect(strict.status).toBe(201);
    expect(strict.body).toMatchObject({
      assignees: [{ principal: 'group:sre' }],
      quorum: { approvals: 2 },
      policy: { name: 'deploys', ignored: [] },
    });
    const byAdmin = await s.call('POST', '/v1/tasks', {
      as: 'user:admin',
      body: { type: 'clarification', title: 'Lunch?', assignees: ['user:bob'] },
    });
    expect(byAdmin).toMatchObject({ status: 201, body: { policy: null, assignees: [{ principal: 'user:bob' }] } });
    // Nothing a non-admin asks escapes a policy: the default names the server's approvers.
    const question = await s.call('POST', '/v1/tasks', {
      as: 'user:dev',
      body: { type: 'clarification', title: 'Which region?', assignees: ['user:dev2'] },
    });
    expect(question).toMatchObject({ status: 422, body: { error: { issues: [{ path: 'assignees' }] } } });
  });

  it('GET /v1/policies shows the policies in force with their versions, to admins only', async () => {
    const s = await testServer({
      auth: admins,
      heed: {
        policies: [{ name: 'deploys', match: { tool: 'deploy' }, approvers: ['group:sre'] }],
        defaultApprovers: ['user:admin'],
      },
    });
    const listed = await s.call('GET', '/v1/policies', { as: 'user:admin' });
    expect(listed.status).toBe(200);
    expect(listed.body.items).toMatchObject([
      {
        name: 'deploys',
        fallback: false,
        version: expect.stringMatching(/^[0-9a-f]{12}$/),
        policy: { approvers: ['group:sre'] },
      },
      { name: 'default', fallback: true, policy: { approvers: ['user:admin'] } },
    ]);
    expect((await s.call('GET', '/v1/policies', { as: 'user:dev' })).status).toBe(403);
  });
});
