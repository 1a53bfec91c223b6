/**
 * What a POST's Content-Type may be: a multipart body (a file upload, which this API does not take) and a type no
 * parser reads are refused with 400 BAD_REQUEST saying what to send, instead of yoga's upload parser or an empty 415.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSRF_HEADER } from '../src/protection/csrf.js';
import { SUPPORTED_MEDIA_TYPES_MESSAGE } from '../src/protection/media-types.js';
import { startHarness, type Harness } from './helpers/harness.js';

let harness: Harness;
let url: string;
beforeAll(async () => {
  harness = await startHarness();
  url = await harness.listen();
});
afterAll(() => harness.close());

const OPERATIONS = JSON.stringify({ query: '{ __typename }', variables: { list: Array.from({ length: 20_000 }, () => ({})) } });

function post(contentType: string, body: string) {
  return fetch(url, { method: 'POST', headers: { 'content-type': contentType, accept: 'application/graphql-response+json', [CSRF_HEADER]: '1' }, body });
}

describe('media types of a POST', () => {
  it('refuses a multipart upload before any of it is parsed', async () => {
    const boundary = 'boundary-of-the-upload';
    const body = [`--${boundary}`, 'Content-Disposition: form-data; name="operations"', '', OPERATIONS, `--${boundary}`, 'Content-Disposition: form-data; name="map"', '', '{}', `--${boundary}--`, ''].join('\r\n');
    const response = await post(`multipart/form-data; boundary=${boundary}`, body);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      errors: [
        {
          message: `This API takes no file uploads (multipart): ${SUPPORTED_MEDIA_TYPES_MESSAGE}, with images as base64 strings in the variables.`,
          extensions: { code: 'BAD_REQUEST', retryable: false },
        },
      ],
    });
  });

  it.each(['text/json', 'multipart/mixed; boundary=x', 'application/xml', 'image/png'])('refuses a body of type %s with BAD_REQUEST saying what to send, not an empty 415', async (contentType) => {
    const response = await post(contentType, '{"query":"{ __typename }"}');
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: Array<{ message: string; extensions: unknown }> };
    expect(body.errors[0]!.extensions).toEqual({ code: 'BAD_REQUEST', retryable: false });
    expect(body.errors[0]!.message).toContain(SUPPORTED_MEDIA_TYPES_MESSAGE);
    expect(body.errors[0]!.message).not.toContain(contentType.split(';')[0]);
  });

  it.each([
    'application/json; charset=utf-16',
    'application/json; charset=iso-8859-1',
    'application/json;charset="UTF-16LE"',
    'application/x-www-form-urlencoded; charset=windows-1252',
    'application/graphql; charset=shift_jis',
  ])('refuses a body said to be in another charset than UTF-8, which it would be misread as: %s', async (contentType) => {
    const body = contentType.startsWith('application/x-www-form-urlencoded') ? `query=${encodeURIComponent('{ __typename }')}` : contentType.startsWith('application/graphql;') ? '{ __typename }' : '{"query":"{ __typename }"}';
    const response = await post(contentType, body);
    expect(response.status).toBe(400);
    expect(response.headers.get('connection')).toBe('close');
    expect(await response.json()).toEqual({
      errors: [{ message: 'The request body must be UTF-8: send it with charset=utf-8 in its Content-Type, or with no charset.', extensions: { code: 'BAD_REQUEST', retryable: false } }],
    });
  });

  it.each(['application/json', 'application/json; charset=utf-8', 'application/json; charset="utf-8"', 'application/json;charset=utf8', 'application/graphql+json', 'APPLICATION/JSON', 'Application/Json; charset=UTF-8'])('runs a body of type %s', async (contentType) => {
    const response = await post(contentType, '{"query":"{ __typename }"}');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
  });
});
