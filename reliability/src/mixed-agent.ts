// The agent of the mixed soak: a decorated run with nested steps over timers, then its transport hops
// side by side, each hop inside its own step so the checks know exactly where each span belongs.
import { agent, run, step, tool } from '@agentrace/decorators';
import { AGENT_NAME, ATTR_SOAK_RUN_ID, type RunPlan, type Transport } from './mixed-plan.js';
import type { MixedTransports } from './mixed-transports.js';

/** Every step records the run id of the plan it was given, whatever context it runs in. */
const runIdOf = (plan: RunPlan): Record<string, string> => ({ [ATTR_SOAK_RUN_ID]: plan.runId });

const immediate = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

@agent(AGENT_NAME)
export class SoakAgent {
  /** Runs started and not finished now, and the most there were at once. */
  inFlight = 0;
  peakInFlight = 0;

  constructor(private readonly transports: MixedTransports) {}

  @run({ correlationId: (plan: RunPlan) => plan.correlationId, attributes: runIdOf })
  async handle(plan: RunPlan): Promise<void> {
    this.peakInFlight = Math.max(this.peakInFlight, ++this.inFlight);
    try {
      await this.plan(plan);
      await Promise.all(plan.transports.map((transport) => this.hop(transport, plan)));
      this.transports.check(plan.runId, 'run after its hops');
    } finally {
      this.inFlight--;
    }
  }

  private hop(transport: Transport, plan: RunPlan): Promise<void> {
    switch (transport) {
      case 'http':
        return this.httpLookup(plan);
      case 'limited-http':
        return this.limitedLookup(plan);
      case 'in-process':
        return this.handOff(plan);
      case 'bullmq':
        return this.enqueueJob(plan);
      case 'rabbitmq':
        return this.publishMessage(plan);
      case 'lazy-loop':
        return this.handToLoop(plan);
    }
  }

  @step({ attributes: runIdOf })
  async plan(plan: RunPlan): Promise<void> {
    // Spread over the first timer ticks so the runs interleave.
    await sleep(plan.index % 3);
    await this.think(plan);
    this.transports.check(plan.runId, 'plan');
  }

  @step({ attributes: runIdOf })
  async think(plan: RunPlan): Promise<void> {
    await immediate();
    this.transports.check(plan.runId, 'think');
  }

  @tool({ name: 'http_lookup', attributes: runIdOf })
  async httpLookup(plan: RunPlan): Promise<void> {
    await this.transports.http(plan);
  }

  @tool({ name: 'limited_lookup', attributes: runIdOf })
  async limitedLookup(plan: RunPlan): Promise<void> {
    await this.transports.limitedHttp(plan);
  }

  @step({ name: 'hand_off', attributes: runIdOf })
  async handOff(plan: RunPlan): Promise<void> {
    await this.transports.inProcess(plan);
  }

  @step({ name: 'enqueue_job', attributes: runIdOf })
  async enqueueJob(plan: RunPlan): Promise<void> {
    await this.transports.bullmq(plan);
  }

  @step({ name: 'publish_message', attributes: runIdOf })
  async publishMessage(plan: RunPlan): Promise<void> {
    await this.transports.rabbitmq(plan);
  }

  /** The first run to get here starts the loop, inside this step: its context is the loop's for good. */
  @step({ name: 'hand_to_loop', attributes: runIdOf })
  async handToLoop(plan: RunPlan): Promise<void> {
    await this.transports.lazyLoop(plan);
  }
}
