import { createReporter } from '@agentrace/core';
import { PACKAGE_NAME } from './version.js';

/** How this package reports its own problems: once per key, through OpenTelemetry's `diag`, never throwing. */
export const reporter = createReporter(PACKAGE_NAME);
