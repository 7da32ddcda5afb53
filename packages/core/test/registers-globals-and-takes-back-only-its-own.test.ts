import { context, propagation, ProxyTracerProvider, ROOT_CONTEXT, trace, type Context, type ContextManager, type TextMapPropagator } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { registerGlobals } from '../src/globals.js';
import { RunAttributesSpanProcessor } from '../src/run-attributes-processor.js';
import { withRunAttributes } from '../src/run-context.js';

/** A synchronous context manager that records whether it is enabled. */
class StackContextManager implements ContextManager {
  enabled = false;
  private current: Context = ROOT_CONTEXT;
  active(): Context {
    return this.current;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    const previous = this.current;
    this.current = ctx;
    try {
      return fn.call(thisArg, ...args);
    } finally {
      this.current = previous;
    }
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    this.enabled = true;
    return this;
  }
  disable(): this {
    this.enabled = false;
    return this;
  }
}

const propagator = (): TextMapPropagator => ({ inject() {}, extract: (ctx) => ctx, fields: () => [] });
const delegate = () => (trace.getTracerProvider() as ProxyTracerProvider).getDelegate();

afterEach(() => {
  trace.disable();
  propagation.disable();
  context.disable();
});

describe('registerGlobals', () => {
  it('registers provider, context manager and propagator, and takes them down again', () => {
    const provider = new BasicTracerProvider();
    const contextManager = new StackContextManager();
    const globals = registerGlobals({ tracerProvider: provider, contextManager, propagator: propagator() });
    expect(globals.providerRegistered).toBe(true);
    expect(delegate()).toBe(provider);
    expect(contextManager.enabled).toBe(true);
    globals.uninstall();
    globals.uninstall(); // twice is fine
    expect(delegate()).not.toBe(provider);
    expect(contextManager.enabled).toBe(false);
  });

  it("says when another setup owns the globals, and taking its own back leaves the other's alone", () => {
    const first = new BasicTracerProvider();
    const firstManager = new StackContextManager();
    const owner = registerGlobals({ tracerProvider: first, contextManager: firstManager, propagator: propagator() });

    const secondManager = new StackContextManager();
    const late = registerGlobals({ tracerProvider: new BasicTracerProvider(), contextManager: secondManager, propagator: propagator() });
    expect(late.providerRegistered).toBe(false);
    expect(secondManager.enabled).toBe(false);
    late.uninstall();
    expect(delegate()).toBe(first);
    expect(firstManager.enabled).toBe(true);
    owner.uninstall();
  });
});

describe('RunAttributesSpanProcessor', () => {
  it('fits the SDK as a span processor and stamps the run attributes on spans started in a run', () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new RunAttributesSpanProcessor(), new SimpleSpanProcessor(exporter)] });
    const globals = registerGlobals({ tracerProvider: provider, contextManager: new StackContextManager(), propagator: propagator() });
    const tracer = trace.getTracer('run-attributes');
    tracer.startSpan('outside').end();
    withRunAttributes({ 'user.id': 'u-1' }, () => tracer.startSpan('inside').end());
    expect(exporter.getFinishedSpans().map((s) => [s.name, s.attributes])).toEqual([
      ['outside', {}],
      ['inside', { 'user.id': 'u-1' }],
    ]);
    globals.uninstall();
  });
});
