/** Sends GraphQL over the app's in-process fetch with any headers, and reads the answer. */
import type { GatewayApp } from '../../src/app.js';

export interface SentResponse {
  status: number;
  headers: Headers;
  body: { data?: Record<string, any> | null; errors?: Array<{ message: string; extensions?: Record<string, any> }> };
  text: string;
}

export async function sendGraphQL(
  app: GatewayApp,
  query: string,
  options: { variables?: Record<string, unknown>; headers?: Record<string, string> } = {},
): Promise<SentResponse> {
  const response = await app.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...options.headers },
    body: JSON.stringify({ query, variables: options.variables }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: JSON.parse(text), text };
}

export const SELFIE = 'mutation Selfie { getSelfieToken(input: {}) { sdkToken requestId expiresAt } }';
export const EKYC = 'mutation Ekyc { applyEkycToken(input: {}) { sdkToken requestId expiresAt } }';
