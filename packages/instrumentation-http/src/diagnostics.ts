import { createReporter } from '@agentrace/core';
import { PACKAGE_NAME } from './version.js';

/**
 * How this package reports problems: through OpenTelemetry's `diag`, once per key, never throwing
 * into the app. Messages are prefixed with the package name.
 */
export const reporter = createReporter(PACKAGE_NAME);
