/** What every resolver receives: the dependencies, never imported by the resolvers themselves. */
import type { YogaInitialContext } from 'graphql-yoga';
import type { FaceIdClient } from './faceid/client.js';
import type { FaceIdRegion } from './faceid/wire.js';

/** Facts about this gateway that clients may read through `Query.gateway`. */
export interface GatewayFacts {
  upstream: 'TENCENT_CLOUD' | 'CUSTOM_ENDPOINT' | 'EMULATOR';
  region: FaceIdRegion;
  rateLimitPerSecond: number;
}

/** Who is calling, as far as authentication could tell. */
export interface Caller {
  /** Stable id for fairness and logs: `jwt:<sub>`, `key:<name>`, or `ip:<address>` when anonymous. */
  id: string;
  /** Whether credentials were presented and verified. */
  authenticated: boolean;
  /** Granted scopes (an open gateway grants every scope). */
  scopes: ReadonlySet<string>;
}

/** What one request's log line collects while it runs. */
export interface RequestTrace {
  /** The incoming `x-request-id` when it is sane, else a new UUID; echoed in the response. */
  requestId: string;
  /** Tencent RequestIds of the calls this request made (successful or not). */
  tencentRequestIds: string[];
}

/** The dependencies the app puts in every context. */
export interface GatewayServices {
  faceid: FaceIdClient;
  facts: GatewayFacts;
  caller: Caller;
  trace: RequestTrace;
  /** Charges Tencent's answers to this request to the held-body budget until the request is answered. */
  holdAnswer: (bytes: number) => boolean;
}

/** A resolver's context: yoga's (with the HTTP request and its abort signal) plus the services. */
export type GatewayContext = YogaInitialContext & GatewayServices;
