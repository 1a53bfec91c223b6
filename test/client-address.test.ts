import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createClientAddressOf, type TrustedProxies } from '../src/protection/client-address.js';
import { harnessPerTest } from './helpers/harness.js';

/** The part of a node request that identifies the client: the socket's peer and the X-Forwarded-For header. */
function nodeRequest(remoteAddress: string, forwardedFor?: string): IncomingMessage {
  const headers = forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor };
  return { socket: { remoteAddress }, headers } as unknown as IncomingMessage;
}

const UNUSED = new Request('http://gateway.test/graphql');

describe('client address', () => {
  it.each<[string, TrustedProxies, string, string | undefined, string]>([
    ['trusting nobody, the socket peer, whatever the header says', { hops: 0 }, '203.0.113.7', '198.51.100.9', '203.0.113.7'],
    ['one hop: the entry the proxy appended', { hops: 1 }, '10.0.0.2', '198.51.100.9', '198.51.100.9'],
    ['one hop: a forged left-most entry is never the caller', { hops: 1 }, '10.0.0.2', '6.6.6.6, 198.51.100.9', '198.51.100.9'],
    ['one hop: many forged entries', { hops: 1 }, '10.0.0.2', '1.1.1.1, 2.2.2.2,3.3.3.3, 198.51.100.9', '198.51.100.9'],
    ['one hop: no header, the socket peer', { hops: 1 }, '10.0.0.2', undefined, '10.0.0.2'],
    ['two hops: the entry before the inner proxy', { hops: 2 }, '10.0.0.2', '6.6.6.6, 198.51.100.9, 10.0.0.5', '198.51.100.9'],
    ['two hops, one entry: the left-most there is', { hops: 2 }, '10.0.0.2', '198.51.100.9', '198.51.100.9'],
    ['a trusted hop that forwarded text, not an address: the proxy itself', { hops: 2 }, '10.0.0.2', 'x'.repeat(200), '10.0.0.2'],
    ['a CIDR: the right-most address outside it', { addresses: ['10.0.0.0/8'] }, '10.1.2.3', '6.6.6.6, 198.51.100.9, 10.9.9.9', '198.51.100.9'],
    ['a CIDR: a forged entry inside the range does not help', { addresses: ['10.0.0.0/8'] }, '10.1.2.3', '10.6.6.6, 198.51.100.9', '198.51.100.9'],
    ['a CIDR: a client connecting directly is not a proxy', { addresses: ['10.0.0.0/8'] }, '203.0.113.7', '198.51.100.9', '203.0.113.7'],
    ['a list of ranges', { addresses: ['10.0.0.0/8', '172.16.0.0/12'] }, '10.1.2.3', '6.6.6.6, 198.51.100.9, 172.16.4.4', '198.51.100.9'],
    ['a named range', { addresses: ['loopback'] }, '127.0.0.1', '6.6.6.6, 198.51.100.9', '198.51.100.9'],
    ['IPv6 proxies and client, known by its /64', { addresses: ['2001:db8::/32'] }, '2001:db8::1', '6.6.6.6, 2a00:1450:4001:81a::200e, 2001:db8:1::2', '2a00:1450:4001:81a::/64'],
    ['IPv6 with a hop count', { hops: 1 }, '::1', '6.6.6.6, 2a00:1450::1', '2a00:1450::/64'],
    ['an IPv6 peer, trusting nobody', { hops: 0 }, '2a00:1450:4001:81a:1:2:3:4', '198.51.100.9', '2a00:1450:4001:81a::/64'],
    ['an IPv4-mapped peer inside an IPv4 range', { addresses: ['10.0.0.0/8'] }, '::ffff:10.0.0.2', '6.6.6.6, 198.51.100.9', '198.51.100.9'],
    ['an IPv4-mapped peer, trusting nobody: its IPv4 address', { hops: 0 }, '::ffff:203.0.113.7', undefined, '203.0.113.7'],
    ['an empty address list trusts nobody', { addresses: [] }, '10.0.0.2', '198.51.100.9', '10.0.0.2'],
  ])('%s', (_case, trusted, remoteAddress, forwardedFor, caller) => {
    expect(createClientAddressOf(trusted)(UNUSED, { req: nodeRequest(remoteAddress, forwardedFor) })).toBe(caller);
  });

  it('gives every address of one IPv6 /64 the same identity, and the next /64 another', () => {
    const lookup = createClientAddressOf({ hops: 0 });
    const of = (address: string) => lookup(UNUSED, { req: nodeRequest(address) });
    const rotated = Array.from({ length: 100 }, (_, index) => of(`2a00:1450:4001:81a:${index.toString(16)}:${(index * 7).toString(16)}::1`));
    expect(new Set(rotated)).toEqual(new Set(['2a00:1450:4001:81a::/64']));
    expect(of('2a00:1450:4001:81b::1')).toBe('2a00:1450:4001:81b::/64');
  });

  it('is "unknown" for an in-process call, which has no socket', () => {
    expect(createClientAddressOf({ hops: 1 })(UNUSED, {})).toBe('unknown');
  });
});

describe('client address over HTTP behind one trusted proxy', () => {
  const start = harnessPerTest();

  it('keeps one identity while the client rotates the X-Forwarded-For it writes', async () => {
    const harness = await start({ app: { trustProxy: { hops: 1 } } });
    const url = await harness.listen();
    for (const forged of ['1.1.1.1', '2.2.2.2, 3.3.3.3', 'not-an-address']) {
      // 127.0.0.1 plays the proxy: it appended 198.51.100.9, the address it received the request from.
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': `${forged}, 198.51.100.9` },
        body: JSON.stringify({ query: '{ gateway { region } }' }),
      });
      expect(response.status).toBe(200);
    }
    const callers = harness.log.entries().filter((entry) => entry.msg === 'request').map((entry) => entry.caller);
    expect(callers).toEqual(['ip:198.51.100.9', 'ip:198.51.100.9', 'ip:198.51.100.9']);
  });
});
