import { describe, expect, it } from 'vitest';
import { authorizationOf, createDailySigningKey, deriveSigningKey, parseTc3Authorization, sha256Hex, signTc3, utcDateOf } from '../src/faceid/tc3.js';
import { loadVectors } from './helpers/vectors.js';

const { vectors, docExample } = loadVectors();

describe('TC3-HMAC-SHA256 signing', () => {
  it('has the recorded vectors to check against', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(9);
  });

  it.each(vectors.map((vector) => [vector.id, vector] as const))('reproduces every step of %s', (_id, vector) => {
    const { input, expected } = vector;
    expect(Buffer.byteLength(input.payload, 'utf8')).toBe(expected.bodyByteLength);
    expect(sha256Hex(input.payload)).toBe(expected.bodySha256);

    const signed = signTc3({
      secretId: input.secretId,
      secretKey: input.secretKey,
      service: input.service,
      host: input.host,
      contentType: expected.contentType,
      payload: input.payload,
      timestamp: input.timestamp,
    });

    expect({
      canonicalRequest: signed.canonicalRequest,
      hashedCanonicalRequest: signed.hashedCanonicalRequest,
      credentialScope: signed.credentialScope,
      stringToSign: signed.stringToSign,
      kDateHex: signed.kDateHex,
      kServiceHex: signed.kServiceHex,
      kSigningHex: signed.kSigningHex,
      signature: signed.signature,
    }).toEqual(expected.intermediate);
    expect(signed.authorization).toBe(expected.authorization);
    expect(signed.authorization).toBe(expected.headers.Authorization);
  });

  it.each(vectors.map((vector) => [vector.id, vector] as const))('builds the Authorization of %s from a derived signing key', (_id, vector) => {
    const { input, expected } = vector;
    const { kSigning } = deriveSigningKey(input.secretKey, utcDateOf(input.timestamp), input.service);
    const { secretKey: _secretKey, ...unsigned } = { ...input, contentType: expected.contentType };
    expect(authorizationOf(unsigned, kSigning)).toBe(expected.authorization);
  });

  it('derives the signing key once per UTC date, and again when the date changes', () => {
    const keyFor = createDailySigningKey('the-secret-key', 'faceid');
    const first = keyFor('2025-01-01');
    expect(Buffer.from(first)).toEqual(deriveSigningKey('the-secret-key', '2025-01-01', 'faceid').kSigning);
    expect(keyFor('2025-01-01')).toBe(first);
    const next = keyFor('2025-01-02');
    expect(Buffer.from(next)).toEqual(deriveSigningKey('the-secret-key', '2025-01-02', 'faceid').kSigning);
    expect(next).not.toEqual(first);
  });

  it('reproduces the documentation example', () => {
    const { input, expected } = docExample;
    const signed = signTc3({ ...input, payload: input.payload });
    expect(signed.hashedPayload).toBe(expected.hashedPayload);
    expect(signed.hashedCanonicalRequest).toBe(expected.hashedCanonicalRequest);
    expect(signed.authorization).toBe(expected.authorization);
  });

  it.each([
    [1700000000, '2023-11-14'],
    [1718236800, '2024-06-13'],
    [1735689599, '2024-12-31'],
    [1735689600, '2025-01-01'],
  ])('dates timestamp %i as %s in UTC', (timestamp, date) => {
    expect(utcDateOf(timestamp)).toBe(date);
  });

  it('hashes a Uint8Array payload exactly like the same string', () => {
    const vector = vectors[0]!;
    const base = { ...vector.input, contentType: vector.expected.contentType };
    const fromBytes = signTc3({ ...base, payload: new TextEncoder().encode(vector.input.payload) });
    expect(fromBytes.authorization).toBe(vector.expected.authorization);
  });

  it('changes the signature when the host carries a port', () => {
    const vector = vectors[0]!;
    const signed = signTc3({ ...vector.input, host: `${vector.input.host}:443`, contentType: vector.expected.contentType });
    expect(signed.authorization).not.toBe(vector.expected.authorization);
  });

  it('parses its own Authorization header and rejects others', () => {
    const vector = vectors[0]!;
    expect(parseTc3Authorization(vector.expected.authorization)).toEqual({
      secretId: vector.input.secretId,
      date: '2023-11-14',
      service: 'faceid',
      signedHeaders: 'content-type;host',
      signature: vector.expected.intermediate.signature,
    });
    expect(parseTc3Authorization('Bearer abc')).toBeUndefined();
    expect(parseTc3Authorization(vector.expected.authorization.replace('TC3-HMAC-SHA256', 'HMAC-SHA1'))).toBeUndefined();
  });
});
