/** Instrumentation scope name and version reported on every span of this package. */
export const PACKAGE_NAME = '@agentrace/instrumentation-queue';
export const PACKAGE_VERSION = '0.1.0';
