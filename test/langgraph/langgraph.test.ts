import { Annotation, END, interrupt, START, StateGraph } from '@langchain/langgraph';
import { describe, expect, it } from 'vitest';
import { langGraphWorkflow, type ToolDecision } from '../../src/langgraph/index.ts';
import { testEngine } from '../helpers.ts';
import { approvalSuite } from '../adapters/approval-suite.ts';
import { langGraphRefunds } from './refunds.ts';

describe('LangGraph.js graphs with Heed approvals (the real @langchain/langgraph)', () => {
  approvalSuite(langGraphRefunds);

  it('a graph that interrupts twice in a row asks twice; the thread lives in the run history only', async () => {
    const { heed, store } = testEngine();
    const seen: string[] = [];
    const Steps = Annotation.Root({
      log: Annotation<string[]>({ reducer: (a, b) => [...a, ...b], default: () => [] }),
    });
    const graph = new StateGraph(Steps)
      .addNode('first', () => {
        const d = interrupt({ tool: 'deploy', args: { env: 'staging' } }) as ToolDecision;
        seen.push(`first:${d.approved}`);
        return { log: [`staging ${d.approved ? 'deployed' : 'skipped'}`] };
      })
      .addNode('second', () => {
        const d = interrupt('ship it to production?') as ToolDecision;
        seen.push(`second:${d.approved}`);
        return { log: [`production ${d.approved ? 'deployed' : 'skipped'}`] };
      })
      .addEdge(START, 'first')
      .addEdge('first', 'second')
      .addEdge('second', END);
    const workflow = langGraphWorkflow(heed, 'deploys', {
      graph: (checkpointer) => graph.compile({ checkpointer }),
      approval: (call) => ({ assignees: ['user:ops'], title: `${call.node}: ${call.tool}` }),
    });
    await heed.start();
    const run = await workflow.start({ input: {} });
    await heed.idle();
    const [one] = (await heed.tasks.inbox('user:ops')).items;
    expect(one).toMatchObject({ title: 'first: deploy', action: { tool: 'deploy', args: { env: 'staging' } } });
    await heed.tasks.respond(one?.id ?? '', { outcome: 'approve' }, { principal: 'user:ops' });
    await heed.idle();
    const [two] = (await heed.tasks.inbox('user:ops')).items;
    // A value that is not {tool, args}: the node is the tool, the value the argument.
    expect(two).toMatchObject({
      title: 'second: second',
      action: { tool: 'second', args: { input: 'ship it to production?' } },
    });
    await heed.tasks.respond(two?.id ?? '', { outcome: 'reject', comment: 'not today' }, { principal: 'user:ops' });
    const output = await run.result();
    expect(output.output).toEqual({ log: ['staging deployed', 'production skipped'] });
    expect(seen).toEqual(['first:true', 'second:false']);
    const history = await store.loadHistory(run.id);
    const resumes = history.filter((op) => op.name === 'langgraph.resume');
    expect(resumes).toHaveLength(2);
    // While it waited, the step's result held the thread; once done, none.
    expect(JSON.parse(resumes[0]?.output ?? '{}').thread.checkpoints.length).toBeGreaterThan(0);
    expect(JSON.parse(resumes[1]?.output ?? '{}').thread).toBeNull();
  });
});
