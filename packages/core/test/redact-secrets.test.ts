import { captureDiagnostics } from '@agentrace/testing';
import { describe, expect, it } from 'vitest';
import {
  createRedactor,
  defaultRedactor,
  isDefaultSecretKey,
  REDACTED,
  REDACTION_FAILED,
  redactValue,
} from '../src/redact.js';
import { redactException } from '../src/redact-error.js';
import { serializeValue } from '../src/serialize.js';

const parsed = (value: unknown, options?: Parameters<typeof serializeValue>[1]) => JSON.parse(serializeValue(value, options).value);

describe('default key rules', () => {
  it.each([
    'password', 'Password', 'user_password', 'DB-PASSWORD', 'passwd', 'pwd', 'secret', 'clientSecret', 'client_secret',
    'token', 'access_token', 'refreshToken', 'id_token', 'csrf-token', 'authorization', 'Authorization', 'proxy-authorization',
    'auth', 'cookie', 'Set-Cookie', 'api_key', 'apikey', 'apiKey', 'api-key', 'X-API-Key', 'x_api_key', 'private_key',
    'privateKey', 'session', 'credentials', 'aws.secret.access.key', 'passphrase', 'jwt', 'signature',
  ])('masks %s', (key) => {
    expect(isDefaultSecretKey(key)).toBe(true);
    expect(parsed({ [key]: 'hunter2', other: 'visible' })).toEqual({ [key]: REDACTED, other: 'visible' });
  });

  it.each(['max_tokens', 'maxTokens', 'tokenCount', 'input_tokens', 'sessionId', 'session_id', 'query', 'author', 'keyboard', 'user', 'passenger'])(
    'keeps %s',
    (key) => {
      expect(isDefaultSecretKey(key)).toBe(false);
      expect(parsed({ [key]: 'value' })).toEqual({ [key]: 'value' });
    },
  );

  it('masks a whole object or array under a secret key without walking it', () => {
    let read = false;
    const credentials = {
      get user() {
        read = true;
        return 'x';
      },
    };
    expect(parsed({ credentials, tokens: ['not', 'masked'], token: ['a', 'b'] })).toEqual({
      credentials: REDACTED,
      tokens: ['not', 'masked'],
      token: REDACTED,
    });
    expect(read).toBe(false);
  });

  it('masks under string Map keys too', () => {
    expect(parsed(new Map([['apiKey', 'k'], ['q', 'v']]))).toEqual({ 'Map(2)': [['apiKey', REDACTED], ['q', 'v']] });
  });
});

describe('default value rules', () => {
  it.each([
    ['Bearer eyAbCdEf0123456789.xyz', 'Bearer REDACTED'],
    ['header: Basic dXNlcjpwYXNzd29yZA==', 'header: Basic REDACTED'],
    ['key sk-abcdefghijklmnopqrstuvwxyz012345 used', 'key sk-REDACTED used'],
    ['sk-proj-AbCdEfGhIjKlMnOpQrStUvWx', 'sk-proj-REDACTED'],
    ['sk-ant-api03-abcdefghijklmnopqrstu', 'sk-ant-REDACTED'],
    ['stripe sk_live_abcdefghijklmnop1234', 'stripe sk_live_REDACTED'],
    ['ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'ghp_REDACTED'],
    ['xoxb-1234567890-abcdefghij', 'xoxb-REDACTED'],
    ['AKIAIOSFODNN7EXAMPLE', 'AKIAREDACTED'],
    ['AIzaSyA-abcdefghijklmnopqrstuvwxyz0123456', 'AIzaREDACTED'],
    ['jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sig_nature-x', 'jwt eyJREDACTED'],
    ['postgres://admin:s3cr3t@db:5432/x', 'postgres://admin:REDACTED@db:5432/x'],
    ['-----BEGIN RSA PRIVATE KEY-----\nMIIE...\n-----END RSA PRIVATE KEY-----', '-----BEGIN RSA PRIVATE KEY-----REDACTED'],
    ['-----BEGIN PRIVATE KEY-----\nMIIE cut before the end', '-----BEGIN PRIVATE KEY-----REDACTED'],
    // Secret `name: value` / `name=value` pairs quoted in text (errors, query strings, JSON in a string).
    ['refused with x-api-key=k3y-value-1 (401)', 'refused with x-api-key=REDACTED (401)'],
    ['Set-Cookie: session=abc123; Path=/', 'Set-Cookie: REDACTED; Path=/'],
    ['GET /cb?code=1&access_token=tok-1&page=2', 'GET /cb?code=1&access_token=REDACTED&page=2'],
    ['job rejected, password: hunter2', 'job rejected, password: REDACTED'],
    ['{"client_secret": "cs-123", "user": "ann"}', '{"client_secret": "REDACTED", "user": "ann"}'],
    ['Proxy-Authorization: Digest abc', 'Proxy-Authorization: Digest REDACTED'],
    ['Authorization: Bearer short', 'Authorization: Bearer REDACTED'],
  ])('masks %j', (input, expected) => {
    expect(defaultRedactor.redactString(input)).toBe(expected);
    expect(parsed({ note: input })).toEqual({ note: expected });
  });

  it('leaves ordinary text alone', () => {
    const text =
      'Skipped 3 tasks; bearer of bad news; a basic understanding. sk-short; https://example.com/path; max tokens 4096; max_tokens=4096; tokens: 12; secretary: Ann; credentials include';
    expect(defaultRedactor.redactString(text)).toBe(text);
  });

  it('masks a secret cut at the string limit', () => {
    const value = `${'x'.repeat(20)} sk-abcdefghijklmnopqrstuvwxyz0123456789`;
    const out = parsed({ value }, { maxStringLength: 30 }).value as string;
    expect(out).not.toMatch(/sk-abc/);
    expect(out.startsWith('x'.repeat(20))).toBe(true);
  });

  it('masks secrets in error messages and stacks', () => {
    const error = new Error('request failed with Authorization: Bearer abcdefghijklmnop');
    const out = serializeValue({ error }).value;
    expect(out).not.toContain('abcdefghijklmnop');
    expect(out).toContain('Bearer REDACTED');
  });
});

describe('user rules', () => {
  it('adds keys (normalised strings and RegExps) and value patterns', () => {
    const redactor = createRedactor({ keys: ['SSN-Number', /^x-internal-/i], patterns: [/\b\d{4}-\d{4}-\d{4}-\d{4}\b/] });
    expect(parsed({ ssn_number: '1', 'X-Internal-Trace': 'a', card: 'paid with 1234-5678-9012-3456', password: 'p' }, { redact: redactor })).toEqual({
      ssn_number: REDACTED,
      'X-Internal-Trace': REDACTED,
      card: `paid with ${REDACTED}`,
      password: REDACTED,
    });
  });

  it('allowKeys keeps a key the defaults would mask; defaults: false turns the built-ins off', () => {
    expect(parsed({ csrf_token: 't', password: 'p' }, { redact: { allowKeys: ['csrfToken'] } })).toEqual({ csrf_token: 't', password: REDACTED });
    expect(parsed({ password: 'p', auth: 'Bearer abcdefghijkl' }, { redact: { defaults: false } })).toEqual({ password: 'p', auth: 'Bearer abcdefghijkl' });
  });

  it('uses a custom replacement', () => {
    expect(parsed({ token: 't' }, { redact: { replacement: '***' } })).toEqual({ token: '***' });
  });

  it('calls the custom hook with key, value and path, and serializes what it returns', () => {
    const seen: string[] = [];
    const redact = createRedactor({
      redact(key, value, path) {
        seen.push(`${path.join('.')}=${key ?? '(none)'}`);
        if (key === 'email' && typeof value === 'string') return value.replace(/^[^@]+/, '***');
        return value;
      },
    });
    expect(parsed({ user: { email: 'ann@example.com', tags: ['a'] } }, { redact })).toEqual({ user: { email: '***@example.com', tags: ['a'] } });
    expect(seen).toEqual(['=(none)', 'user=user', 'user.email=email', 'user.tags=tags', 'user.tags.0=(none)']);
  });

  it('drops the value (never leaks it) and reports once when the custom hook throws', () => {
    const diagnostics = captureDiagnostics();
    const redact = createRedactor({
      redact(key, value) {
        if (key === 'explode') throw new Error('hook bug');
        return value;
      },
    });
    try {
      const out = parsed({ explode: 'sensitive-1', ok: 1, nested: { explode: 'sensitive-2' } }, { redact });
      expect(out).toEqual({ explode: REDACTION_FAILED, ok: 1, nested: { explode: REDACTION_FAILED } });
      parsed({ explode: 'again' }, { redact });
    } finally {
      diagnostics.restore();
    }
    const texts = diagnostics.messages.map((m) => m.text);
    expect(texts.filter((t) => t.includes('redact hook threw'))).toEqual([expect.stringMatching(/^@agentrace\/\S+ .*redact hook threw.*hook bug/)]);
    expect(texts.join('\n')).not.toContain('sensitive');
  });
});

describe('redactValue', () => {
  it('returns a redacted deep copy and leaves the input unchanged', () => {
    const input = { user: 'ann', password: 'p', nested: [{ apiKey: 'k', note: 'Bearer abcdefghijklmn' }], m: new Map([['token', 't']]) };
    const before = structuredClone(input);
    const out = redactValue(input);
    expect(out).toEqual({ user: 'ann', password: REDACTED, nested: [{ apiKey: REDACTED, note: 'Bearer REDACTED' }], m: new Map([['token', REDACTED]]) });
    expect(input).toEqual(before);
  });

  it('keeps cycles as cycles, class instances as they are, and unreadable parts as a marker', () => {
    const a: any = { name: 'a' };
    a.self = a;
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const date = new Date(0);
    const out = redactValue({ a, date, proxy }) as any;
    expect(out.a.self).toBe(out.a);
    expect(out.date).toBe(date);
    expect(out.proxy).toBe(REDACTION_FAILED);
  });
});

describe('redactException', () => {
  it('masks the message and the stack, keeps name and code, and leaves the error itself alone', () => {
    const error = Object.assign(new TypeError('upstream 401 for Authorization: Bearer abcdefghijklmnop, x-api-key=k-1'), { code: 'E_AUTH' });
    const { exception, message } = redactException(error);
    expect(message).toBe('upstream 401 for Authorization: Bearer REDACTED, x-api-key=REDACTED');
    expect(exception).not.toBe(error);
    expect(exception).toMatchObject({ name: 'TypeError', code: 'E_AUTH', message });
    const stack = (exception as { stack: string }).stack;
    expect(stack).toContain('TypeError: upstream 401 for Authorization: Bearer REDACTED');
    expect(stack).not.toMatch(/abcdefghijklmnop|k-1/);
    expect(error.message).toContain('abcdefghijklmnop');
  });

  it('returns the same error when nothing needs masking, and masks non-errors', () => {
    const error = new Error('connect ECONNREFUSED 127.0.0.1:6379');
    expect(redactException(error)).toEqual({ exception: error, message: error.message });
    expect(redactException('token=t0k3n')).toEqual({ exception: 'token=REDACTED', message: 'token=REDACTED' });
  });

  it('never throws on a hostile error', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(redactException(proxy).message).toBe('unreadable error');
  });
});
