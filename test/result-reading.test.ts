import { describe, expect, it } from 'vitest';
import { createVerificationStore } from '../src/emulator/verifications.js';
import {
  MAX_OCR_FIELDS,
  MAX_RESULT_ATTEMPTS,
  MAX_RESULT_MEDIA_BASE64_LENGTH,
  VERIFICATION_OUTCOME_BY_CODE,
  outcomeOfCode,
  readEkycResult,
  readSelfieResult,
  type EkycVerificationResult,
  type SelfieVerificationResult,
} from '../src/faceid/results.js';

const TOKEN = 'A561B769-C347-4724-A69A-6C3B3483E107';
const REQUEST_ID = 'd73c0c05-f7ff-419c-84cb-0756303b1925';

describe('result codes', () => {
  it.each([...Object.entries(VERIFICATION_OUTCOME_BY_CODE), ['3001', 'UNKNOWN'], ['', 'UNKNOWN'], ['constructor', 'UNKNOWN']])(
    'names Tencent code %j %s',
    (code, outcome) => {
      expect(outcomeOfCode(code)).toBe(outcome);
    },
  );
});

describe('reading answers', () => {
  it('reads a selfie answer whole, with tags and device level named and raw codes kept', () => {
    const result = readSelfieResult(TOKEN, REQUEST_ID, {
      Result: '1005',
      Description: 'Liveness detection failed.',
      BestFrame: 'AAAA',
      Video: null,
      Similarity: 12.5,
      Extra: 'order-1',
      DeviceInfoLevel: '4',
      LivenessInfoTag: ['03', '99'],
    });

    expect(result).toEqual({
      sdkToken: TOKEN,
      requestId: REQUEST_ID,
      result: { outcome: 'LIVENESS_FAILED', code: '1005', description: 'Liveness detection failed.' },
      extra: 'order-1',
      deviceRiskLevel: 'HIGH_RISK',
      similarity: 12.5,
      livenessTags: { tags: ['SUSPECTED_PHOTO_REPLAY'], codes: ['03', '99'] },
      bestFrame: { base64: 'AAAA', base64Length: 4 },
      video: null,
      actionVideo: null,
    });
  });

  it('leaves out a media item longer than the bound, keeping its length', () => {
    const long = 'A'.repeat(MAX_RESULT_MEDIA_BASE64_LENGTH + 4);

    const result = readSelfieResult(TOKEN, REQUEST_ID, { Result: '0', Video: long }) as SelfieVerificationResult;

    expect(result.video).toEqual({ base64: null, base64Length: long.length });
  });

  it('says an answer without a Result code is unreadable, quoting no value', () => {
    expect(readSelfieResult(TOKEN, REQUEST_ID, { Extra: 'private' })).toEqual({ unreadable: 'the Response has no Result code' });
  });

  it(`keeps the last ${MAX_RESULT_ATTEMPTS} attempts of a longer list, the final one authoritative`, () => {
    const attempts = Array.from({ length: MAX_RESULT_ATTEMPTS + 4 }, (_, index) => ({ ErrorCode: index === MAX_RESULT_ATTEMPTS + 3 ? '0' : '1005' }));

    const result = readEkycResult(TOKEN, REQUEST_ID, { Result: '0', CompareResults: attempts }, 0) as EkycVerificationResult;

    expect(result.compareAttempts).toHaveLength(MAX_RESULT_ATTEMPTS);
    expect(result.compareAttempts.map((attempt) => attempt.index)).toEqual(Array.from({ length: MAX_RESULT_ATTEMPTS }, (_, i) => i + 4));
    expect(result.compareAttempts.filter((attempt) => attempt.authoritative).map((attempt) => attempt.result.outcome)).toEqual(['SUCCESS']);
  });

  it(`keeps at most ${MAX_OCR_FIELDS} OCR fields, and file URLs only over http(s), dated 10 minutes after sending`, () => {
    const card = Object.fromEntries(Array.from({ length: MAX_OCR_FIELDS + 10 }, (_, index) => [`Field${index}`, `value ${index}`]));

    const result = readEkycResult(
      TOKEN,
      REQUEST_ID,
      {
        Result: '0',
        CardVerifyResults: [
          { CardInfo: { GeneralCard: card }, CardImage: { Url: 'javascript:alert(1)' }, CardVideo: { Url: 'https://x.test/v', Size: 5 } },
        ],
      },
      1_000_000,
    ) as EkycVerificationResult;

    const [attempt] = result.cardAttempts;
    expect(attempt!.ocr!.fields).toHaveLength(MAX_OCR_FIELDS);
    expect(attempt!.cardImage).toBeNull();
    expect(attempt!.cardVideo).toEqual({ url: 'https://x.test/v', md5: null, sizeBytes: 5, expiresAt: new Date(1_000_000 + 600_000) });
  });
});

describe('the emulator token memory', () => {
  it('forgets the oldest token past its capacity, which then reads as BizTokenIllegal', () => {
    const store = createVerificationStore({ now: () => 0, baseUrl: () => 'http://emulator.test', capacity: 3 });
    for (const token of ['T1', 'T2', 'T3', 'T4']) store.register('selfie', token, {});

    expect(store.size).toBe(3);
    expect(store.check('selfie', 'T1')?.code).toBe('InvalidParameterValue.BizTokenIllegal');
    expect(store.check('selfie', 'T4')).toBeUndefined();
  });
});
