import fc from 'fast-check';
import type { Span } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { createCapture, parameterNames, resetCaptureConfig } from '../src/capture.js';

afterEach(() => resetCaptureConfig());

const RESERVED = new Set(['do', 'if', 'in', 'for', 'let', 'new', 'try', 'var', 'case', 'else', 'enum', 'eval', 'null', 'this', 'true', 'void', 'with', 'break', 'catch', 'class', 'const', 'false', 'super', 'throw', 'while', 'yield', 'delete', 'export', 'import', 'public', 'return', 'static', 'switch', 'typeof', 'default', 'extends', 'finally', 'package', 'private', 'continue', 'debugger', 'function', 'arguments', 'interface', 'protected', 'implements', 'instanceof', 'await', 'async', 'of', 'get', 'set']);
const identifier = fc.stringMatching(/^[a-zA-Z_$][a-zA-Z0-9_$]{0,7}$/).filter((s) => !RESERVED.has(s));
/** Default values that contain the characters a naive parser trips on. */
const defaultValue = fc.constantFrom('', ' = 1', ' = ")"', " = '(,'", ' = `,${1}`', ' = [1, (2)]', ' = { a: (b) => b, c: [3] }', ' /* x, y */', ' = /* ) */ 2');

describe('capture properties', () => {
  it('reads back the parameter names of any generated parameter list', () => {
    fc.assert(
      fc.property(fc.uniqueArray(identifier, { maxLength: 6 }), fc.array(defaultValue, { minLength: 6, maxLength: 6 }), fc.boolean(), (names, defaults, arrow) => {
        const list = names.map((n, i) => `${n}${defaults[i]}`).join(', ');
        const fn = eval(arrow ? `(async (${list}) => {})` : `(function (${list}) {})`) as Function;
        expect(parameterNames(fn)).toEqual(names);
      }),
      { numRuns: 300 },
    );
  });

  it('captures exactly the named parameters minus the excluded ones', () => {
    const params = ['query', 'limit', 'cursor', 'region', 'mode'];
    const fn = eval(`(function (${params.join(', ')}) {})`) as Function;
    fc.assert(
      fc.property(fc.subarray(params), fc.subarray(params), (inputs, exclude) => {
        let written: string | undefined;
        const span = { isRecording: () => true, setAttribute: (_k: string, v: string) => void (written = v) } as unknown as Span;
        createCapture(fn, { capture: { inputs, exclude, output: false } }).recordArguments(span, params.map((p) => `${p}-value`));
        const expected = inputs.filter((p) => !exclude.includes(p));
        if (expected.length === 0) expect(written).toBeUndefined();
        else expect(Object.keys(JSON.parse(written!)).sort()).toEqual([...expected].sort());
      }),
      { numRuns: 200 },
    );
  });
});
