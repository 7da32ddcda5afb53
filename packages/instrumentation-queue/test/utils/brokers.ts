/** Broker addresses, from the same variables as every package's tests. */
export function redisConnection(): { host: string; port: number; maxRetriesPerRequest: null } {
  const url = new URL(process.env.REDIS_URL?.trim() || 'redis://127.0.0.1:6379');
  return { host: url.hostname, port: Number(url.port || 6379), maxRetriesPerRequest: null };
}

export function amqpUrl(): string {
  return process.env.AMQP_URL?.trim() || 'amqp://guest:guest@127.0.0.1:5672';
}
