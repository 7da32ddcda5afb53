import { diag, type DiagLogger } from '@opentelemetry/api';
import { createReporter, type Reporter } from '@agentrace/core';

const COMPONENT = '@agentrace/tracer';

/** Every warning and error of this package goes through it. */
export const reporter: Reporter = createReporter(COMPONENT);

/** Info and debug lines (totals at shutdown, best-effort cleanup), under the same prefix: the reporter has only error and warn. */
export const details: DiagLogger = diag.createComponentLogger({ namespace: COMPONENT });
