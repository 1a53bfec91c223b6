/**
 * Prometheus metrics, served on GET /metrics. A registry per app (no global state), so tests and several apps
 * in one process do not share counters.
 */
import type { Plugin } from 'graphql-yoga';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { FaceIdClientObserver } from '../faceid/client.js';
import type { ActionThrottle } from '../faceid/throttle.js';

/** The gateway's metrics and the hooks that feed them. */
export interface GatewayMetrics {
  registry: Registry;
  /** Feeds upstream latency, throttle waits and local rejections from the FaceID client. */
  clientObserver: FaceIdClientObserver;
  /** Counts one GraphQL request. */
  countRequest(operation: string, outcome: string): void;
  /** Counts a refusal that happened before the FaceID client (authentication, limits, body size …). */
  countRejection(reason: string): void;
  /** Reports each action's throttle queue depth and busy callers at every scrape (no per-caller labels). */
  watchThrottles(throttles: Readonly<Record<string, ActionThrottle>>): void;
  /** Counts a slot taken without the shared budget because Redis did not answer. */
  countSharedBudgetUnavailable(): void;
  /** Reports the bytes request bodies hold in the held-body budget at every scrape. */
  watchHeldBodies(budget: { readonly heldBytes: number }): void;
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Creates the registry and every metric. */
export function createMetrics(): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'faceid_gateway_requests_total',
    help: 'GraphQL requests by operation name and outcome code (OK or the first error code).',
    labelNames: ['operation', 'outcome'],
    registers: [registry],
  });
  const upstream = new Histogram({
    name: 'faceid_gateway_upstream_duration_seconds',
    help: 'Duration of each Tencent FaceID attempt by action and outcome code.',
    labelNames: ['action', 'outcome'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const throttleWait = new Histogram({
    name: 'faceid_gateway_throttle_wait_seconds',
    help: 'Time a call waited for a throttle slot (its turn in the fair queue), by action.',
    labelNames: ['action'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const rejections = new Counter({
    name: 'faceid_gateway_rejections_total',
    help: 'Requests refused before reaching Tencent, by reason.',
    labelNames: ['reason'],
    registers: [registry],
  });
  const sharedBudgetUnavailable = new Counter({
    name: 'faceid_gateway_shared_budget_unavailable_total',
    help: 'Throttle slots granted on the local limit alone because the shared budget (Redis) did not answer.',
    registers: [registry],
  });
  let watched: Readonly<Record<string, ActionThrottle>> = {};
  let heldBodies: { readonly heldBytes: number } = { heldBytes: 0 };
  new Gauge({
    name: 'faceid_gateway_held_body_bytes',
    help: 'Bytes request bodies hold beyond each one\'s first 64 KiB, counted against HTTP_MAX_HELD_BODY_BYTES.',
    registers: [registry],
    collect() {
      this.set(heldBodies.heldBytes);
    },
  });
  new Gauge({
    name: 'faceid_gateway_throttle_queue_depth',
    help: 'Calls waiting for a throttle slot, by action.',
    labelNames: ['action'],
    registers: [registry],
    collect() {
      for (const [action, throttle] of Object.entries(watched)) this.set({ action }, throttle.queueDepth);
    },
  });
  new Gauge({
    name: 'faceid_gateway_throttle_busy_callers',
    help: 'Callers with calls waiting for a throttle slot on this replica, by action; each gets an equal turn.',
    labelNames: ['action'],
    registers: [registry],
    collect() {
      for (const [action, throttle] of Object.entries(watched)) this.set({ action }, throttle.busyCallers);
    },
  });

  return {
    registry,
    clientObserver: {
      upstreamAttempt: (action, outcome, seconds) => upstream.observe({ action, outcome }, seconds),
      throttleWait: (action, seconds) => throttleWait.observe({ action }, seconds),
      rejected: (_action, reason) => rejections.inc({ reason }),
    },
    countRequest: (operation, outcome) => requests.inc({ operation, outcome }),
    countRejection: (reason) => rejections.inc({ reason }),
    watchThrottles(throttles) {
      watched = throttles;
    },
    countSharedBudgetUnavailable: () => sharedBudgetUnavailable.inc(),
    watchHeldBodies(budget) {
      heldBodies = budget;
    },
  };
}

/** Serves the Prometheus registry on GET /metrics. */
export function useMetricsEndpoint(metrics: GatewayMetrics): Plugin {
  return {
    async onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname !== '/metrics') return;
      endResponse(
        new fetchAPI.Response(await metrics.registry.metrics(), { headers: { 'content-type': metrics.registry.contentType } }),
      );
    },
  };
}
