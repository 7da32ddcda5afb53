import { recordFailure, whenSettled } from '@agentrace/core';
import { context, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE, ATTR_STATE_VERIFIED, ATTR_STATE_VERIFY_NAME } from './semconv.js';
import { stateTracer } from './tracer.js';

function settle(span: Span, name: string, result: unknown): void {
  const verified = result === true;
  span.setAttribute(ATTR_STATE_VERIFIED, verified);
  if (verified) {
    span.setStatus({ code: SpanStatusCode.OK });
  } else {
    const got = result === false ? '' : ` (the check returned ${typeof result}, not a boolean)`;
    span.setStatus({ code: SpanStatusCode.ERROR, message: `verify ${name}: the read-back check found the write missing or different${got}` });
    span.setAttribute(ATTR_ERROR_TYPE, 'VerificationFailed');
  }
  span.end();
}

function fail(span: Span, name: string, error: unknown): void {
  span.setAttribute(ATTR_STATE_VERIFIED, false);
  // The check's error may quote what it read back (a token, a header): recorded masked.
  const message = recordFailure(span, error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: `verify ${name}: the read-back check threw: ${message}` });
  span.end();
}

/**
 * Runs a read-back check as a child span `verify <name>`: `fn` reads the external system again and
 * returns true when it really holds what was written (a 200 from the write is not proof). The span's
 * status is OK when `fn` returns true, ERROR when it returns anything else or throws; `state.verified`
 * says the same. Returns what `fn` returns, synchronously or as a promise as `fn` did, and rethrows
 * the very error `fn` threw.
 */
export function verify<R extends boolean | Promise<boolean>>(name: string, fn: () => R): R {
  const span = stateTracer().startSpan(`verify ${name}`, { attributes: { [ATTR_STATE_VERIFY_NAME]: name } });
  let result: R;
  try {
    result = context.with(trace.setSpan(context.active(), span), fn);
  } catch (error) {
    fail(span, name, error);
    throw error;
  }
  return whenSettled(result, (error, failed, value) => {
    if (failed) fail(span, name, error);
    else settle(span, name, value);
  });
}
