import { diag, type TracerProvider } from '@opentelemetry/api';
import {
  type InstrumentationConfig,
  InstrumentationBase,
  InstrumentationNodeModuleDefinition,
  InstrumentationNodeModuleFile,
} from '@opentelemetry/instrumentation';
import { patchAmqplibChannels, resolveAmqplibState } from './amqplib.js';
import { startBacklogSampler } from './backlog.js';
import { patchBullMQ, resolveBullMQState } from './bullmq.js';
import type { AmqpChannelModule, AmqplibState, BullMQModuleLike, BullMQState } from './internal-types.js';
import type { BacklogSamplingOptions, QueueInstrumentationHandle, QueueInstrumentationOptions } from './types.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version.js';

interface QueueHookConfig extends InstrumentationConfig {
  bullmq?: BullMQState;
  amqplib?: AmqplibState;
}

/**
 * Require hooks for BullMQ and amqplib. Both load their CommonJS builds in Node whether the app uses
 * `require` or `import`, and the files that define their classes are always loaded with `require`,
 * so hooking those files works in CJS and ESM apps with no loader flag. (A bundle that inlines
 * BullMQ's ESM build is not seen: use `instrumentBullMQ` there.)
 */
class QueueHooks extends InstrumentationBase<QueueHookConfig> {
  private readonly undo = new Map<object, () => void>();

  constructor(config: QueueHookConfig) {
    super(PACKAGE_NAME, PACKAGE_VERSION, config);
  }

  protected init(): InstrumentationNodeModuleDefinition[] {
    const definitions: InstrumentationNodeModuleDefinition[] = [];
    const { bullmq, amqplib } = this._config;
    if (bullmq) {
      // BullMQ has no `exports` map, so Node loads its CommonJS build for `import` too. Hooking the
      // files that define the classes (required by its index) works in CJS and ESM apps alike.
      const file = (name: string): InstrumentationNodeModuleFile =>
        new InstrumentationNodeModuleFile(
          name,
          ['>=5.0.0 <6'],
          (exports: BullMQModuleLike) => this.apply(exports, () => patchBullMQ(exports, bullmq)),
          (exports?: BullMQModuleLike) => this.remove(exports),
        );
      definitions.push(
        new InstrumentationNodeModuleDefinition('bullmq', ['>=5.0.0 <6'], undefined, undefined, [
          file('bullmq/dist/cjs/classes/queue.js'),
          file('bullmq/dist/cjs/classes/worker.js'),
          file('bullmq/dist/cjs/classes/flow-producer.js'),
        ]),
      );
    }
    if (amqplib) {
      const file = (name: string, callbackApi: boolean): InstrumentationNodeModuleFile =>
        new InstrumentationNodeModuleFile(
          name,
          ['>=0.10.0 <3'],
          (exports: AmqpChannelModule) => this.apply(exports, () => patchAmqplibChannels(exports, amqplib, callbackApi)),
          (exports?: AmqpChannelModule) => this.remove(exports),
        );
      definitions.push(
        new InstrumentationNodeModuleDefinition('amqplib', ['>=0.10.0 <3'], undefined, undefined, [
          file('amqplib/lib/channel_model.js', false),
          file('amqplib/lib/callback_model.js', true),
        ]),
      );
    }
    return definitions;
  }

  private apply<T extends object>(exports: T, patch: () => () => void): T {
    if (exports && typeof exports === 'object' || typeof exports === 'function') {
      this.undo.get(exports)?.();
      this.undo.set(exports, patch());
    }
    return exports;
  }

  private remove(exports: object | undefined): void {
    if (!exports) return;
    this.undo.get(exports)?.();
    this.undo.delete(exports);
  }

  removeAll(): void {
    for (const restore of this.undo.values()) restore();
    this.undo.clear();
  }
}

const ACCEPTED = 'true, false or an options object';

function clientOptions<T extends object>(name: string, value: boolean | T | undefined): T | undefined {
  if (value === undefined || value === true) return {} as T;
  if (value === false) return undefined;
  if (typeof value === 'object' && value !== null) return (value as { enabled?: boolean }).enabled === false ? undefined : value;
  diag.error(`${PACKAGE_NAME}: option ${name} is ${String(value)}; accepted: ${ACCEPTED}. Using the default (enabled).`);
  return {} as T;
}

/**
 * Enables the queue-client instrumentations against the global (or given) tracer provider: BullMQ and
 * amqplib through require/import hooks (call it before the app imports them). Returns a handle whose
 * `disable()` removes the hooks and patches. Never throws: bad options are reported through `diag`.
 */
export function instrumentQueues(options: QueueInstrumentationOptions = {}): QueueInstrumentationHandle {
  try {
    const opts = options && typeof options === 'object' ? options : {};
    const defaults = { tracerProvider: opts.tracerProvider as TracerProvider | undefined, consumerParent: opts.consumerParent };
    if (defaults.consumerParent !== undefined && defaults.consumerParent !== 'child' && defaults.consumerParent !== 'link') {
      diag.error(`${PACKAGE_NAME}: option consumerParent is ${String(defaults.consumerParent)}; accepted: 'child' or 'link'. Using 'child'.`);
      defaults.consumerParent = 'child';
    }
    const bull = clientOptions('bullmq', opts.bullmq);
    const amqp = clientOptions('amqplib', opts.amqplib);
    const hooks = new QueueHooks({
      bullmq: bull ? resolveBullMQState(bull, defaults) : undefined,
      amqplib: amqp ? resolveAmqplibState(amqp, defaults) : undefined,
    });
    let stopSampler = (): void => {};
    if (opts.backlog) {
      const backlog: BacklogSamplingOptions = opts.backlog === true ? {} : opts.backlog;
      stopSampler = startBacklogSampler(backlog, defaults.tracerProvider);
    }
    return {
      disable() {
        stopSampler();
        hooks.disable();
        hooks.removeAll();
      },
    };
  } catch (error) {
    diag.error(`${PACKAGE_NAME}: instrumentQueues failed; queues are not instrumented`, error);
    return { disable() {} };
  }
}
