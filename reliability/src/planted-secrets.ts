// Planted secrets for the "no secret reaches Jaeger" test (issue 8): one random, recognisable value per
// way an agent could leak a credential, and a scan of what Jaeger stored for every one of them.
import { randomBytes } from 'node:crypto';
import { fetchJaegerTraces, parseJaegerJson, type JaegerKeyValue, type JaegerTrace } from '@agentrace/core/jaeger';

/**
 * Where each secret is planted (reliability/src/secrets-agent.ts does the planting). One secret per
 * channel, so a leak names the channel that leaked.
 */
export const SECRET_CHANNELS = [
  // @agentrace/decorators, input/output capture on.
  'argApiKey', // run argument { apiKey }
  'argPassword', // a parameter named `password`
  'argNestedPrivateKey', // { config: { keys: [{ privateKey }] } }
  'argArrayToken', // [{ token }] as an argument
  'argBearerText', // a string argument holding "Authorization: Bearer <secret>"
  'argOpenAiKey', // a string argument holding an sk-proj- key
  'argUrlPassword', // a string argument holding https://user:<secret>@host
  'resultAccessToken', // result { accessToken }
  'resultCookieText', // a result string holding "set-cookie: session=<secret>; Path=/"
  'toolClientSecret', // tool argument { client_secret }
  'errorBearer', // a step throws Error("... Authorization: Bearer <secret>")
  'errorApiKeyPair', // a step throws Error("... x-api-key=<secret>")
  // @agentrace/instrumentation-http, header capture asked for every credentials header.
  'headerAuthorization',
  'headerCookie',
  'headerApiKey',
  'headerProxyAuthorization',
  'headerGoogApiKey',
  'headerAuthToken',
  'responseSetCookie',
  'baggageToken', // a baggage member `auth_token`, with the `baggage` header captured on the server
  // url.full and url.query.
  'queryAmzSignature',
  'querySig',
  'queryToken',
  'queryApiKey',
  'queryApikey',
  'queryKey',
  'queryAccessToken',
  'queryClientSecret',
  'urlPassword', // http://user:<secret>@host through node:http
  // @agentrace/tracer: the OTLP export's own Authorization header.
  'exportHeader',
  // @agentrace/state snapshots.
  'statePassword',
  'stateApiKey',
  'stateToken',
  'stateSecret',
  'stateAuthorization',
  'stateCookie',
  'statePrivateKey',
  'stateNestedArray', // { accounts: [{ settings: { client_secret } }] }
  'sampledToken', // sampleState getter { token }
  'verifyError', // a verify() check throws Error("... Bearer <secret>")
  // @agentrace/instrumentation-queue.
  'bullPayload', // BullMQ job data { apiKey } (payloads are never captured)
  'bullError', // a BullMQ processor throws Error("... token=<secret>")
  'amqpHeader', // amqplib message header { authorization }
  'amqpError', // an amqplib consumer throws Error("... Bearer <secret>")
  'inProcessError', // a bindToEnqueuer task throws Error("... password: <secret>")
  // The app's own code, straight on its spans (the tracer's redaction step is all that stands between).
  'userAttrBearer', // span.setAttribute('app.upstream_auth', 'Bearer <secret>')
  'userAttrPassword', // span.setAttribute('db.connection_password', <secret>)
  'userEventToken', // span.addEvent('login', { 'app.session_token': <secret> })
  'userException', // span.recordException(new Error('... api_key=<secret>'))
  'userAttrUrlPath', // span.setAttribute('app.callback', 'https://…/reset-password/<secret>')
  // A token in a URL path, through agentrace's own HTTP instrumentation (url.full, url.path).
  'urlPathToken', // GET /invite/<secret>
  // The official @opentelemetry/instrumentation-http (reliability/src/secrets-official-agent.ts).
  'officialPathToken', // GET /magic-link/<secret>
  'officialQuerySig', // ?sig=<secret>
  'officialQueryKey', // ?key=<secret>
  'officialUserAttr', // span.setAttribute('app.webhook', 'https://hooks.slack.com/services/T0/B0/<secret>')
] as const;

export type SecretChannel = (typeof SECRET_CHANNELS)[number];

export interface PlantedSecrets {
  /** Shared by every secret of this run (and nothing else): a leak of any part of any secret shows it. */
  nonce: string;
  secrets: Record<SecretChannel, string>;
}

/**
 * Fresh secrets: `zs<nonce><index><tail>`, letters and digits only, so each fits every credential
 * syntax it is planted in (Bearer token, sk- key, cookie value, query value) without escaping.
 */
export function plantSecrets(): PlantedSecrets {
  const nonce = randomBytes(8).toString('hex');
  const secrets = {} as Record<SecretChannel, string>;
  SECRET_CHANNELS.forEach((channel, i) => {
    secrets[channel] = `zs${nonce}${String(i).padStart(2, '0')}${randomBytes(6).toString('hex')}`;
  });
  return { nonce, secrets };
}

export interface Leak {
  channel: SecretChannel | 'nonce';
  /** Up to 120 characters around the first occurrence. */
  around: string;
}

/**
 * The parts of any base64 text that encodes `secret` somewhere inside it (one per alignment of the
 * secret within the 3-byte groups): `Basic` credentials and similar encodings show the secret this way.
 */
export function base64Forms(secret: string): string[] {
  const forms: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const b64 = Buffer.from('x'.repeat(shift) + secret).toString('base64');
    // Only the groups made of secret bytes alone are the same whatever surrounds the secret.
    forms.push(b64.slice(4 * Math.ceil(shift / 3), 4 * Math.floor((shift + secret.length) / 3)));
  }
  return forms;
}

/** Every planted secret (as is, or base64-encoded) and the nonce found in `text`, with where. */
export function findLeaks(text: string, planted: PlantedSecrets): Leak[] {
  const leaks: Leak[] = [];
  const around = (at: number): string => text.slice(Math.max(0, at - 80), at + 40);
  for (const channel of SECRET_CHANNELS) {
    for (const form of [planted.secrets[channel], ...base64Forms(planted.secrets[channel])]) {
      const at = text.indexOf(form);
      if (at === -1) continue;
      leaks.push({ channel, around: around(at) });
      break;
    }
  }
  const at = text.indexOf(planted.nonce);
  if (at !== -1) leaks.push({ channel: 'nonce', around: around(at) });
  return leaks;
}

/**
 * Every trace Jaeger holds for `service`, each fetched whole by id (the search answer may be partial),
 * as parsed JSON and as the exact text Jaeger answered.
 */
export async function fetchServiceTraces(jaegerUrl: string, service: string): Promise<{ traces: JaegerTrace[]; text: string }> {
  const found = await fetchJaegerTraces({ baseUrl: jaegerUrl, service, limit: 1000 });
  const traces: JaegerTrace[] = [];
  let text = '';
  for (const id of new Set(found.map((t) => t.traceID))) {
    // Fetched here rather than by fetchJaegerTraces: the scan needs the answer's text as it is.
    const response = await fetch(`${jaegerUrl}/api/traces/${id}`);
    if (!response.ok) throw new Error(`GET /api/traces/${id} answered ${response.status}`);
    const body = await response.text();
    text += `${body}\n`;
    traces.push(...(parseJaegerJson(body).data ?? []));
  }
  return { traces, text };
}

/** The string form of a tag or log field value (Jaeger keeps arrays as JSON text). */
export function tagText(list: readonly JaegerKeyValue[] | undefined, key: string): string | undefined {
  const kv = list?.find((k) => k.key === key);
  return kv === undefined ? undefined : typeof kv.value === 'string' ? kv.value : JSON.stringify(kv.value);
}
