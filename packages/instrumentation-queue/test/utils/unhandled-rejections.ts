import { afterAll, beforeAll } from 'vitest';

/**
 * Keeps unhandled rejections from failing the file while its tests run: a consume callback that
 * rejects is an unhandled rejection for amqplib, with or without agentrace. Returns what was caught.
 */
export function absorbUnhandledRejections(): unknown[] {
  const caught: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    caught.push(reason);
  };
  beforeAll(() => {
    process.on('unhandledRejection', onUnhandled);
  });
  afterAll(() => {
    process.off('unhandledRejection', onUnhandled);
  });
  return caught;
}
