// What the registry-driven tests (`test/clients-*.test.ts`) need to know about a client to drive it:
// how to load it, what it patches, how to open a queue, publish to it and consume from it. One adapter
// per registered client, in `test/adapters/{optionKey}.ts`, exported as `adapter`. Adapters import
// neither vitest nor the library at the top: the fixtures of the cross-process test use them too, and
// the library must load after the instrumentation exists so the hooks see it.

/** A library module as the adapter loaded it. */
export type ClientLibrary = Record<string, any>;

export interface ClientTestAdapter {
  /** Loads the library with `require`, so the require hooks of an enabled instrumentation see it load. */
  load(): ClientLibrary;
  /** Every method the instrumentation replaces, as `[holder, name]`: the same functions must be back after `disable()`. */
  patchedMethods(lib: ClientLibrary): Array<[object, string]>;
  /** Opens one queue and its producer; `name` gives a queue both sides of the cross-process test share. */
  open(lib: ClientLibrary, options?: SessionOptions): Promise<ClientSession>;
  /** Whether process spans carry `agentrace.consumer.in_flight` and `agentrace.consumer.concurrency` (the consumer's load). */
  readonly recordsConcurrency: boolean;
  /** Whether messages can cross processes (the cross-process test runs for this client). */
  readonly crossProcess: boolean;
  /**
   * What the instrumentation does with a message. `carries-context`: producer and process spans, and
   * the handler runs in its producer's run. `detaches`: no spans, because the message has no room for
   * a carrier (ioredis pub/sub); the handler only stops running in the run that created the consumer
   * (`ClientSession.creatorRun`). The tests about spans skip a detaching client; the others check it by
   * the run its handler sees.
   */
  readonly messages: 'carries-context' | 'detaches';
  /**
   * Two handles of the client's explicit call (`instrumentBullMQ`, `instrumentAmqplib`), with the
   * client exercised enough for them to patch everything; absent when the client has none.
   */
  explicitHandles?(lib: ClientLibrary): Promise<ExplicitHandles>;
}

export interface SessionOptions {
  /** The queue name. Default: a fresh unique one. */
  name?: string;
  /** How many messages the consumer handles at once. Default: 1. */
  concurrency?: number;
}

export interface ClientSession {
  /** The queue's name (`messaging.destination.name`). */
  readonly destination: string;
  /** Name of the producer span of a publish, or `undefined` when there is none (the enqueuer's own span is the parent). */
  readonly producerSpanName: string | undefined;
  /** Name of the consumer span of a delivered message (a detaching client has none: never found). */
  readonly processSpanName: string;
  /**
   * A detaching client's consumer is created inside this run (the case its instrumentation is for): its
   * handler sees this run id when the instrumentation is off, and none when it is on.
   */
  readonly creatorRun?: string;
  /** Sends `payload` from the active context (a run); resolves once the library accepted it. */
  publish(payload: string): Promise<void>;
  /**
   * Starts consuming, from a "worker boot" context (a detaching client: from inside `creatorRun`);
   * resolves once messages published from now on reach `handler`. `handler` gets each payload; its
   * throw or rejection is that message's failure. The message is settled either way (acked, or failed
   * without retry).
   */
  consume(handler: (payload: string) => unknown): Promise<void>;
  /** Library calls that carry a hostile value through the instrumentation, by position. */
  readonly hostile: HostilePosition[];
  /** Stops consuming and closes every connection; deletes the queue unless `keepQueue` (the other process of the cross-process test deletes it). */
  close(options?: { keepQueue?: boolean }): Promise<void>;
}

/** One place of a library call where a caller's value passes through the instrumentation. */
export interface HostilePosition {
  readonly position: string;
  /** Corpus values the library itself cannot take in this position, with or without agentrace (name: reason). */
  readonly skip?: Readonly<Record<string, string>>;
  /** Makes the library call with `value` in this position; returns what the library returned. */
  send(value: unknown): unknown;
}

export interface ExplicitHandles {
  /** In the order they were made. */
  handles: Array<{ disable(): void }>;
  /** Closes what the handles were exercised with. */
  close(): Promise<void>;
}
