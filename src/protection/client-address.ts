/**
 * The address of the client behind a request: the anonymous caller's identity.
 *
 * X-Forwarded-For is written by whoever sends the request; each proxy appends the address it received from. Only
 * entries appended by proxies we trust are facts, so the caller is the right-most address that no trusted proxy
 * added — what `proxy-addr` computes. The left-most entry, which the client itself writes, is never believed.
 *
 * An IPv6 client is known by its /64: one subscriber or host is routinely given a whole /64, and rotating
 * through it would otherwise make a new caller per request.
 */
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import proxyaddr from 'proxy-addr';

/** What node:http hands yoga with each request. */
export interface NodeServerContext {
  req?: IncomingMessage;
}

/**
 * Which proxies in front of the gateway are trusted to append to X-Forwarded-For: a number of hops (the load
 * balancer, then a CDN in front of it …), or their addresses and CIDR ranges. `{ hops: 0 }` trusts none.
 */
export type TrustedProxies = { hops: number } | { addresses: readonly string[] };

/** The IPv6 prefix that names one client: the smallest block ISPs and clouds hand to one subscriber or host. */
export const IPV6_CLIENT_PREFIX_LENGTH = 64;

/** Trusting nobody: the socket's peer is the caller. */
export const NO_TRUSTED_PROXIES: TrustedProxies = { hops: 0 };

/** Finds the client address of a request. */
export type ClientAddressOf = (request: Request, serverContext: NodeServerContext) => string;

/**
 * Checks one TRUST_PROXY address entry: throws a TypeError when it is not an IP address, a CIDR range, or one of
 * proxy-addr's names (`loopback`, `linklocal`, `uniquelocal`).
 */
export function checkTrustedProxyEntry(entry: string): void {
  proxyaddr.compile(entry);
}

/** The identity of an address: IPv4 as is (IPv4-mapped IPv6 included), IPv6 as its /64 network. */
export function callerAddressOf(address: string): string {
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  // The prefix is a whole number of the address's eight 16-bit parts: keep those, zero the rest.
  const kept = IPV6_CLIENT_PREFIX_LENGTH / 16;
  const parts = (parsed as ipaddr.IPv6).parts.map((part, index) => (index < kept ? part : 0));
  return `${new ipaddr.IPv6(parts).toString()}/${IPV6_CLIENT_PREFIX_LENGTH}`;
}

/** Creates the lookup for the proxies trusted. */
export function createClientAddressOf(trusted: TrustedProxies): ClientAddressOf {
  const trust: (address: string, index: number) => boolean =
    'hops' in trusted
      ? (_address, index) => index < trusted.hops
      : trusted.addresses.length === 0
        ? () => false
        : proxyaddr.compile([...trusted.addresses]);
  return (_request, serverContext) => {
    const req = serverContext.req;
    // In-process calls (tests, a router embedding the app) have no socket and no proxy to believe.
    if (!req?.socket?.remoteAddress) return 'unknown';
    // [socket peer, then X-Forwarded-For right to left], cut after the first address not vouched for.
    const chain = proxyaddr.all(req, trust);
    const caller = chain[chain.length - 1]!;
    // A trusted proxy forwards whatever it was given; if that is not an address (a miscounted hop lets the
    // client's own text through), the caller is the proxy that reported it: an honest, bounded identity.
    return callerAddressOf(isIP(caller) ? caller : chain[chain.length - 2] ?? req.socket.remoteAddress);
  };
}
