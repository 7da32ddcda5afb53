import { describe, expect, it } from 'vitest';
import { parameterNames } from '../src/capture.js';

describe('parameter names are read from the function source once', () => {
  it('reads plain, default, destructured and rest parameters', () => {
    // eslint-disable-next-line @typescript-eslint/no-unused-vars
    function plain(query: string, limit = 10, { page }: { page: number } = { page: 1 }, ...rest: unknown[]) {}
    expect(parameterNames(plain)).toEqual(['query', 'limit', undefined, 'rest']);
  });

  it('reads arrow functions with and without parentheses, async or not', () => {
    expect(parameterNames((a: number, b: number) => a + b)).toEqual(['a', 'b']);
    expect(parameterNames(async (q: string) => q)).toEqual(['q']);
    const single = eval('(x => x)') as Function;
    const asyncSingle = eval('(async y => y)') as Function;
    expect(parameterNames(single)).toEqual(['x']);
    expect(parameterNames(asyncSingle)).toEqual(['y']);
    expect(parameterNames(() => 1)).toEqual([]);
  });

  it('reads class methods, async and generator methods, and getters/setters', () => {
    class Agent {
      async fetchProfile(id: string, apiKey: string) {
        return id + apiKey;
      }
      *gen(cursor: number) {
        yield cursor;
      }
      async *stream(prompt: string) {
        yield prompt;
      }
      static make(config: object) {
        return config;
      }
    }
    expect(parameterNames(Agent.prototype.fetchProfile)).toEqual(['id', 'apiKey']);
    expect(parameterNames(Agent.prototype.gen)).toEqual(['cursor']);
    expect(parameterNames(Agent.prototype.stream)).toEqual(['prompt']);
    expect(parameterNames(Agent.make)).toEqual(['config']);
  });

  it('is not fooled by parentheses, commas, brackets and comments inside defaults', () => {
    const tricky = eval(`(function tricky(a = ")", b = 'x,y', c = \`(\${1},\`, d = [1, (2)], /* e, */ f = { g: (h) => h }, // i,
      j) {})`) as Function;
    expect(parameterNames(tricky)).toEqual(['a', 'b', 'c', 'd', 'f', 'j']);
  });

  it('gives no names for native and bound functions instead of throwing', () => {
    expect(parameterNames(Math.max)).toEqual([]);
    expect(parameterNames(function named(this: unknown, a: number) { return a; }.bind(null))).toEqual([]);
  });

  it('reads unicode and $ names', () => {
    const f = eval('(function (ünïcode, $dollar, _under) {})') as Function;
    expect(parameterNames(f)).toEqual(['ünïcode', '$dollar', '_under']);
  });
});
