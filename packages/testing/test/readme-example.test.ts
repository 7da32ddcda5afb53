// The example test of packages/testing/README.md, kept here so it is known to pass.
import { agent, run, step, tool } from '@agentrace/decorators';
import { findNode, getRunTree } from '@agentrace/testing';
import { useTracing } from '@agentrace/testing/vitest';
import { describe, expect, it } from 'vitest';

class OrderNotFound extends Error {
  override name = 'OrderNotFound';
}

@agent('support')
class SupportAgent {
  @step() async fetchTicket(id: string): Promise<{ id: string; orderId: string }> {
    return { id, orderId: id === 't-404' ? 'missing' : `order-of-${id}` };
  }

  @tool({ name: 'lookup_order' }) async lookupOrder(orderId: string): Promise<string> {
    if (orderId === 'missing') throw new OrderNotFound(`no order ${orderId}`);
    return 'shipped';
  }

  @step() async reply(text: string): Promise<string> {
    return `Your order is ${text}.`;
  }

  @run() async handle(message: { correlationId: string; ticketId: string }): Promise<string> {
    const ticket = await this.fetchTicket(message.ticketId);
    const status = await this.lookupOrder(ticket.orderId).catch(() => 'unknown');
    return this.reply(status);
  }
}

// One in-memory provider for this file, reset before each test, shut down after the last one.
const tracing = useTracing();
const support = new SupportAgent();

describe('support agent traces', () => {
  it('makes one trace per message: fetch the ticket, look the order up, reply', async () => {
    await support.handle({ correlationId: 'msg-1', ticketId: 't-1' });

    expect(getRunTree(tracing, 'msg-1')).toHaveTraceShape(
      ['invoke_agent support', ['fetchTicket', 'execute_tool lookup_order', 'reply']],
      { ordered: true },
    );
    expect(tracing).toHaveEndedAllSpans();
    expect(tracing).toHaveNoOrphanSpans();
  });

  it('records a failed tool call on the tool span', async () => {
    await support.handle({ correlationId: 'msg-2', ticketId: 't-404' });

    const tree = getRunTree(tracing, 'msg-2');
    expect(tree).toHaveTraceShape({
      name: 'invoke_agent support',
      status: 'UNSET', // the run itself recovered
      children: [
        'fetchTicket',
        { name: 'execute_tool lookup_order', status: 'ERROR', attributes: { 'error.type': 'OrderNotFound' } },
        'reply',
      ],
    });
    expect(findNode(tree, 'execute_tool lookup_order')).toHaveExceptionEvent(OrderNotFound, { message: 'no order missing' });
  });

  it('keeps 50 concurrent runs apart', async () => {
    const ids = Array.from({ length: 50 }, (_, i) => `msg-${i}`);
    await Promise.all(ids.map((id) => support.handle({ correlationId: id, ticketId: `t-${id}` })));

    expect(tracing).toHaveNoCrossRunSpans({ oneTracePerRun: true });
    for (const id of ids) {
      expect(getRunTree(tracing, id)).toHaveTraceShape(['invoke_agent support', ['fetchTicket', 'execute_tool lookup_order', 'reply']]);
    }
  });

  it('prints the run as a tree for snapshots', async () => {
    await support.handle({ correlationId: 'msg-3', ticketId: 't-3' });

    expect(getRunTree(tracing, 'msg-3')).toMatchInlineSnapshot(`
      invoke_agent support  agentrace.correlation_id=msg-3
      ├─ fetchTicket
      ├─ execute_tool lookup_order
      └─ reply
    `);
  });
});

describe('the README', () => {
  it('shows exactly this file as its example', async () => {
    const { readFileSync } = await import('node:fs');
    const here = readFileSync(new URL(import.meta.url), 'utf8');
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const example = /```ts\n\/\/ support-agent\.test\.ts\n([\s\S]*?)```/.exec(readme)?.[1];
    // This file is the example plus its first comment line and this last block.
    const body = here.slice(here.indexOf('\n') + 1, here.indexOf("\ndescribe('the README'"));
    expect(example).toBe(body);
  });
});
