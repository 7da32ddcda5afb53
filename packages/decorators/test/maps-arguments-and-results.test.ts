import { useTracing } from '@agentrace/testing/vitest';
import { step, tool } from '@agentrace/decorators';
import { describe, expect, it } from 'vitest';
import { spanNamed } from './utils/spans.js';

const tracing = useTracing();

describe('attributes from arguments and results', () => {
  it('maps arguments at the start and the resolved result at the end', async () => {
    class Profiles {
      @step({
        attributes: (id: string, opts: { fresh: boolean }) => ({ 'user.id': id, 'profile.fresh': opts.fresh }),
        resultAttributes: (profile: { plan: string }, id: string) => ({ 'profile.plan': profile.plan, 'profile.of': id }),
      })
      async fetchProfile(id: string, _opts: { fresh: boolean }): Promise<{ plan: string }> {
        return { plan: 'pro' };
      }

      @tool({ name: 'count', resultAttributes: (n: number) => ({ 'count.value': n }) })
      count(items: unknown[]): number {
        return items.length;
      }
    }
    const p = new Profiles();
    await p.fetchProfile('u-1', { fresh: true });
    expect(p.count([1, 2, 3])).toBe(3);
    expect(spanNamed(tracing.spans(), 'fetchProfile').attributes).toMatchObject({
      'user.id': 'u-1',
      'profile.fresh': true,
      'profile.plan': 'pro',
      'profile.of': 'u-1',
    });
    expect(spanNamed(tracing.spans(), 'execute_tool count').attributes['count.value']).toBe(3);
  });

  it('a mapper returning nothing or junk is ignored', () => {
    class Junk {
      @step({ attributes: () => undefined, resultAttributes: () => 'nope' as never }) go(): number {
        return 1;
      }
    }
    expect(new Junk().go()).toBe(1);
    expect(spanNamed(tracing.spans(), 'go').ended).toBe(true);
  });
});
