/** Sends GraphQL over the app's in-process fetch with any headers (credentials, request ids), and reads the answer. */
import type { GatewayApp } from '../../src/app.js';
import { ekycTokenRequest, selfieTokenRequest, type GraphQLRequest } from './harness.js';

export interface SentResponse {
  status: number;
  headers: Headers;
  body: { data?: Record<string, any> | null; errors?: Array<{ message: string; extensions?: Record<string, any> }> };
  text: string;
}

/** Sends a checked request (from the typed documents) or, for deliberately odd operations, raw query text. */
export async function sendGraphQL(
  app: GatewayApp,
  request: GraphQLRequest | string,
  options: { headers?: Record<string, string> } = {},
): Promise<SentResponse> {
  const body = typeof request === 'string' ? { query: request } : request;
  const response = await app.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...options.headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: JSON.parse(text), text };
}

/** The committed GetSelfieToken operation with Tencent's defaults. */
export const SELFIE = selfieTokenRequest({});
/** The committed ApplyEkycToken operation with Tencent's defaults. */
export const EKYC = ekycTokenRequest({});
