/** The signing vectors recorded from the official Tencent SDKs (kept beside the repository, in ../shared). */
import { readFileSync } from 'node:fs';
import type { Tc3Signature } from '../../src/faceid/tc3.js';

export interface SigningVector {
  id: string;
  note?: string;
  input: {
    secretId: string;
    secretKey: string;
    token?: string;
    timestamp: number;
    region: string;
    action: string;
    version: string;
    host: string;
    service: string;
    language?: string;
    payload: string;
  };
  expected: {
    authorization: string;
    headers: Record<string, string>;
    contentType: string;
    bodyByteLength: number;
    bodySha256: string;
    intermediate: Omit<Tc3Signature, 'hashedPayload' | 'authorization'>;
  };
}

interface VectorFile {
  docExample: {
    input: SigningVector['input'] & { contentType: string };
    expected: { authorization: string; hashedPayload: string; hashedCanonicalRequest: string; signature: string };
  };
  vectors: SigningVector[];
}

export const VECTORS_PATH = new URL('../../../shared/fixtures/tc3-vectors.json', import.meta.url);

export function loadVectors(): VectorFile {
  return JSON.parse(readFileSync(VECTORS_PATH, 'utf8')) as VectorFile;
}
