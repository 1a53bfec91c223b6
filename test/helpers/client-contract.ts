/**
 * What every GraphQL client must get from the gateway, with its default options: both mutations mint, the query
 * runs, and each documented error reaches the application as a GraphQL error with its `extensions`. Each client's
 * test file adapts its own API to ClientUnderTest (how the application reads a result or an error), and this
 * module defines the tests once.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  COMPAT_OPERATIONS,
  INVALID_SELFIE_FIELD,
  INVALID_SELFIE_INPUT,
  RATE_LIMIT_BURST,
  SDK_TOKEN,
  startCompatGateway,
  type CompatGateway,
} from './compat-gateway.js';

/** A GraphQL error as the application receives it from the client. */
export interface ReceivedGraphQLError {
  message: string;
  extensions: Record<string, unknown>;
}

/** What the application sees: data, or the GraphQL errors the client hands it. */
export interface ClientOutcome {
  data: Record<string, any> | null | undefined;
  graphQLErrors: ReceivedGraphQLError[];
  /** A failure the client reports as a network error (a non-2xx status it refused to read, a socket error). */
  networkError?: string | undefined;
}

/** One HTTP request the client sent, as recorded by the fetch it was given. */
export interface SentRequest {
  method: string;
  headers: Record<string, string>;
}

/** The client adapted to the contract: built for `url`, with `fetch` to record its requests (otherwise default). */
export interface ClientUnderTest {
  mutate(operation: string, variables: Record<string, unknown>, headers: Record<string, string>): Promise<ClientOutcome>;
  query(operation: string, headers: Record<string, string>): Promise<ClientOutcome>;
}

/** A fetch that records method and headers of every request, then sends it with the global fetch. */
export function recordingFetch(sent: SentRequest[]): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    sent.push({ method: request.method, headers: Object.fromEntries(request.headers) });
    return fetch(request);
  };
}

/**
 * Defines the contract's tests for a client. `create` builds the client for the gateway's URL with the recording
 * fetch; `expectedQueryMethod` is the method the client uses for queries by default.
 */
export function defineClientContract(options: {
  create: (url: string, fetchImpl: typeof fetch) => ClientUnderTest;
  expectedQueryMethod: 'GET' | 'POST';
}): { gateway: () => CompatGateway; sent: SentRequest[] } {
  let gateway: CompatGateway;
  let client: ClientUnderTest;
  const sent: SentRequest[] = [];

  beforeAll(async () => {
    gateway = await startCompatGateway();
    client = options.create(gateway.url, recordingFetch(sent));
  }, 60_000);
  afterAll(() => gateway?.close());

  const only = (outcome: ClientOutcome): ReceivedGraphQLError => {
    expect(outcome.networkError).toBeUndefined();
    expect(outcome.graphQLErrors).toHaveLength(1);
    return outcome.graphQLErrors[0]!;
  };

  it('mints a selfie token', async () => {
    const outcome = await client.mutate(COMPAT_OPERATIONS.selfie, { input: {} }, gateway.trusted);
    expect(outcome.graphQLErrors).toEqual([]);
    expect(outcome.data?.getSelfieToken.sdkToken).toMatch(SDK_TOKEN);
  });

  it('mints an eKYC token', async () => {
    const outcome = await client.mutate(COMPAT_OPERATIONS.ekyc, { input: { idCardType: 'PASSPORT' } }, gateway.trusted);
    expect(outcome.graphQLErrors).toEqual([]);
    expect(outcome.data?.applyEkycToken.sdkToken).toMatch(SDK_TOKEN);
  });

  it(`runs a query with its default method (${options.expectedQueryMethod}), no custom header needed`, async () => {
    const before = sent.length;
    const outcome = await client.query(COMPAT_OPERATIONS.gatewayInfo, {});
    expect(outcome.graphQLErrors).toEqual([]);
    expect(outcome.data?.gateway).toMatchObject({ upstream: 'EMULATOR', region: 'ap-singapore' });
    expect(sent.slice(before).map((request) => request.method)).toEqual([options.expectedQueryMethod]);
  });

  it('receives a validation error as BAD_USER_INPUT naming the field', async () => {
    const error = only(await client.mutate(COMPAT_OPERATIONS.selfie, { input: INVALID_SELFIE_INPUT }, gateway.trusted));
    expect(error.extensions).toEqual({ code: 'BAD_USER_INPUT', retryable: false, field: INVALID_SELFIE_FIELD });
  });

  it('receives a forged token as UNAUTHENTICATED', async () => {
    const error = only(await client.mutate(COMPAT_OPERATIONS.selfie, { input: {} }, gateway.forged));
    expect(error.extensions).toEqual({ code: 'UNAUTHENTICATED', retryable: false });
  });

  it('receives a call without credentials as UNAUTHENTICATED', async () => {
    const error = only(await client.mutate(COMPAT_OPERATIONS.selfie, { input: {} }, {}));
    expect(error.extensions).toEqual({ code: 'UNAUTHENTICATED', retryable: false });
  });

  it('receives a call without the scope as FORBIDDEN', async () => {
    const error = only(await client.mutate(COMPAT_OPERATIONS.ekyc, { input: {} }, gateway.selfieOnly));
    expect(error.extensions).toEqual({ code: 'FORBIDDEN', retryable: false });
  });

  it(`receives RATE_LIMITED with retryAfter for the excess of ${RATE_LIMIT_BURST} concurrent mutations`, async () => {
    const outcomes = await Promise.all(
      Array.from({ length: RATE_LIMIT_BURST }, () => client.mutate(COMPAT_OPERATIONS.selfie, { input: {} }, gateway.trusted)),
    );
    const limited = outcomes.filter((outcome) => outcome.graphQLErrors.length > 0);
    expect(limited.length).toBeGreaterThanOrEqual(RATE_LIMIT_BURST - 1);
    for (const outcome of limited) {
      const error = only(outcome);
      expect(error.extensions).toEqual({ code: 'RATE_LIMITED', retryable: true, retryAfter: expect.any(Number) });
      expect(error.extensions.retryAfter).toBeGreaterThanOrEqual(1);
    }
  });

  return { gateway: () => gateway, sent };
}
