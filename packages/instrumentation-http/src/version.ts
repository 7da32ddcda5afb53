/** Instrumentation scope of the spans this package makes. */
export const PACKAGE_NAME = '@agentrace/instrumentation-http';
export const PACKAGE_VERSION = '0.1.0';
