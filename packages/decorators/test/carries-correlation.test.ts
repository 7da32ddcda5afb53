import { context, propagation, trace } from '@opentelemetry/api';
import { useTracing } from '@agentrace/testing/vitest';
import {
  agent,
  configureDecorators,
  correlationId,
  currentRun,
  getRunAttributes,
  run,
  step,
  tool,
  withRunAttributes,
  withContextCarrier,
} from '@agentrace/decorators';
import { beforeEach, describe, expect, it } from 'vitest';
import { resetDecoratorsConfig } from '../src/config.js';
import { isChildOf, spanNamed } from './utils/spans.js';

const tracing = useTracing();
beforeEach(() => resetDecoratorsConfig());

const seen: Record<string, unknown> = {};

@agent('support')
class Support {
  @run({ runAttributes: (msg: { user: string }) => ({ 'user.id': msg.user, 'internal.flag': 'x' }) })
  async handle(msg: { user: string; correlationId?: string }): Promise<void> {
    seen.inRun = currentRun();
    await this.answer('q');
  }

  @step({ runAttributes: { 'session.id': 's-1' } })
  async answer(q: string): Promise<void> {
    seen.inStep = currentRun();
    await this.search(q);
  }

  @tool('search') async search(_q: string): Promise<void> {
    // A span from other instrumentation (HTTP, queue) started here gets what getRunAttributes returns.
    seen.runAttributes = getRunAttributes(context.active());
    const carrier: Record<string, string> = {};
    propagation.inject(context.active(), carrier);
    seen.carrier = carrier;
  }
}

describe('correlation', () => {
  it('a given id, the message id, an inherited id, or a generated UUID', async () => {
    const given = { handle: run({ correlationId: 'fixed-1' }) };
    class A {
      @run({ correlationId: 'fixed-1' }) async a(): Promise<string | undefined> {
        return correlationId();
      }
      @run({ correlationId: (m: { headers: { cid: string } }) => m.headers.cid }) async b(_m: unknown): Promise<string | undefined> {
        return correlationId();
      }
      @run() async c(_m: unknown): Promise<string | undefined> {
        return correlationId();
      }
      @run() async nested(): Promise<[string | undefined, string | undefined]> {
        return [correlationId(), await this.c({})];
      }
    }
    void given;
    const a = new A();
    expect(await a.a()).toBe('fixed-1');
    expect(await a.b({ headers: { cid: 'from-header' } })).toBe('from-header');
    expect(await a.c({ correlationId: 'from-message' })).toBe('from-message');
    expect(await a.c({ correlation_id: 'snake' })).toBe('snake');
    expect(await a.c({})).toMatch(/^[0-9a-f-]{36}$/);
    const [outer, inner] = await a.nested();
    expect(inner).toBe(outer);
    expect(correlationId()).toBeUndefined();
    expect(currentRun()).toBeUndefined();
  });

  it('every descendant span carries the id; run attributes merge down; baggage carries id + allowlisted ones', async () => {
    await new Support().handle({ user: 'u-9', correlationId: 'corr-42' });
    const spans = tracing.spans();
    const root = spanNamed(spans, 'invoke_agent support');
    const answer = spanNamed(spans, 'answer');
    const search = spanNamed(spans, 'execute_tool search');
    expect(isChildOf(answer, root) && isChildOf(search, answer)).toBe(true);
    for (const s of spans) expect(s.attributes['agentrace.correlation_id']).toBe('corr-42');
    expect(root.attributes['user.id']).toBe('u-9');
    expect(root.attributes['session.id']).toBeUndefined(); // set below the run: not on the parent
    expect(answer.attributes).toMatchObject({ 'user.id': 'u-9', 'session.id': 's-1', 'agentrace.agent.name': 'support' });
    expect(search.attributes).toMatchObject({ 'gen_ai.agent.name': 'support' }); // a tool is a GenAI operation
    expect(search.attributes).toMatchObject({ 'user.id': 'u-9', 'session.id': 's-1' });

    expect(seen.inRun).toEqual({ correlationId: 'corr-42', attributes: { 'user.id': 'u-9', 'internal.flag': 'x' }, agentName: 'support' });
    expect(seen.inStep).toMatchObject({ attributes: { 'user.id': 'u-9', 'session.id': 's-1', 'internal.flag': 'x' } });
    expect(seen.runAttributes).toEqual({
      'agentrace.correlation_id': 'corr-42',
      'user.id': 'u-9',
      'session.id': 's-1',
      'internal.flag': 'x',
      'agentrace.agent.name': 'support',
    });

    // Across a process boundary only the correlation id and allowlisted keys travel (W3C baggage header).
    const carrier = seen.carrier as Record<string, string>;
    expect(carrier.baggage).toContain('agentrace.correlation_id=corr-42');
    expect(carrier.baggage).toContain('user.id=u-9');
    expect(carrier.baggage).not.toContain('internal.flag');
    // Read back by the app's own carrier (trusted), or extracted by hand: a source no agentrace consumer
    // vetted, treated as an HTTP caller, whose identity values are only claims by default.
    expect(withContextCarrier(carrier, () => getRunAttributes(context.active()))).toEqual({
      'agentrace.correlation_id': 'corr-42',
      'user.id': 'u-9',
      'session.id': 's-1',
    });
    const remote = propagation.extract(context.active(), carrier);
    expect(getRunAttributes(remote)).toEqual({});
  });

  it('a run in another process continues the propagated correlation id', async () => {
    const carrier = { baggage: 'agentrace.correlation_id=remote-7,tenant.id=t1' };
    class Worker {
      @run() async handle(): Promise<unknown> {
        return currentRun();
      }
    }
    const info = await withContextCarrier(carrier, () => new Worker().handle());
    expect(info).toEqual({ correlationId: 'remote-7', attributes: { 'tenant.id': 't1' }, agentName: 'Worker' });
    expect(spanNamed(tracing.spans(), 'invoke_agent Worker').attributes).toMatchObject({
      'agentrace.correlation_id': 'remote-7',
      'tenant.id': 't1',
    });
  });

  it('the baggage allowlist is configurable', async () => {
    configureDecorators({ baggageAllowlist: ['tenant.id'] });
    class T {
      @run({ runAttributes: { 'tenant.id': 'acme', 'user.id': 'u1' } }) async go(): Promise<Record<string, string>> {
        const carrier: Record<string, string> = {};
        propagation.inject(context.active(), carrier);
        return carrier;
      }
    }
    const carrier = await new T().go();
    expect(carrier.baggage).toContain('tenant.id=acme');
    expect(carrier.baggage).not.toContain('user.id');
  });

  it('withRunAttributes merges for a block of code; plain spans inside get them through getRunAttributes', async () => {
    class R {
      @run({ correlationId: 'c-1', runAttributes: { 'user.id': 'u' } }) async go(): Promise<unknown> {
        return withRunAttributes({ 'tenant.id': 't' }, () => getRunAttributes(context.active()));
      }
    }
    expect(await new R().go()).toMatchObject({ 'agentrace.correlation_id': 'c-1', 'user.id': 'u', 'tenant.id': 't' });
    expect(getRunAttributes(context.active())).toEqual({});
    expect(trace.getActiveSpan()).toBeUndefined();
  });
});
