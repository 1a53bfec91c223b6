/**
 * The README and docs/ against the code: the configuration table lists exactly the variables loadConfig reads, the
 * error table exactly the codes of ERROR_CODES with their statuses and retry flags, the limits table the values of
 * the constants it names, every docs file is linked from the README, and every relative link lands on a file (and
 * heading) that exists, and the performance figures are those of the last run in bench/results.md. Documentation
 * that drifts from the code fails here rather than misleading a reader.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MAX_REQUEST_BODY_BYTES } from '../src/app.js';
import { MAX_PENDING_VERIFICATION_BYTES } from '../src/auth/authenticate.js';
import { JWKS_FETCH_TIMEOUT_MS, JWKS_RETRY_FIRST_MS, JWKS_RETRY_MAX_MS, MAX_JWKS_BYTES } from '../src/auth/jwks.js';
import { VERIFIED_TOKEN_CACHE_BYTES, VERIFIED_TOKEN_TTL_MS } from '../src/auth/verified-tokens.js';
import { CONFIG_VARIABLES } from '../src/config.js';
import { MAX_QUOTED_TEXT_IN_MESSAGE } from '../src/error-contract.js';
import { ERROR_CODES } from '../src/errors.js';
import { MAX_TOKEN_ANSWER_BYTES } from '../src/faceid/client.js';
import { MAX_QUEUED_PER_ACTION, MAX_QUEUED_PER_CALLER } from '../src/faceid/fair-queue.js';
import {
  MAX_CARD_OCR_DISPLAY_FIELDS,
  MAX_CARD_OCR_FIELD_NAME_LENGTH,
  MAX_EXTRA_BYTES,
  MAX_IMAGE_BASE64_LENGTH,
  MAX_LIVENESS_ACTIONS,
  MAX_META_DATA_BYTES,
  MAX_SDK_TOKEN_LENGTH,
  MAX_SELECTED_WARNING_CODES,
} from '../src/faceid/requests.js';
import { MAX_RESULT_MEDIA_BASE64_LENGTH } from '../src/faceid/results.js';
import { MAX_HEADERS_COUNT, MAX_PIPELINED_REQUESTS } from '../src/http-server.js';
import { LOG_BUFFER_MAX_BYTES } from '../src/logger.js';
import { MAX_LOGGED_CLIENT_TEXT } from '../src/observability/request-log.js';
import {
  MAX_DOCUMENT_BYTES,
  MAX_DOCUMENT_NESTING,
  MAX_DOCUMENT_TOKENS,
  PARSE_CACHE_MAX_BYTES,
  PARSE_ERROR_CACHE_MAX_BYTES,
} from '../src/protection/document-limits.js';
import { BODY_PIECES_ALLOWANCE, MIN_AVERAGE_BODY_PIECE_BYTES } from '../src/protection/bounded-body.js';
import { MAX_VALIDATION_ERRORS } from '../src/protection/introspection.js';
import { MAX_BODY_JSON_VALUES, MAX_FORM_FIELDS } from '../src/protection/json-values.js';
import { MAX_ALIASES, MAX_DEPTH, MAX_ENTITY_FETCHES, MAX_SCHEMA_INTROSPECTIONS, MAX_TOKEN_MUTATIONS } from '../src/protection/operation-limits.js';
import { MAX_ENTITY_REFERENCES } from '../src/schema/verification-result.js';
import { MAX_KEYS_TRIED_WITHOUT_KID } from '../src/auth/authenticate.js';
import { MAX_VARIABLE_DEPTH, MAX_VARIABLE_LIST_ITEMS, MAX_VARIABLE_OBJECT_FIELDS } from '../src/protection/variables-limits.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const README_PATH = join(ROOT, 'README.md');
const README = readFileSync(README_PATH, 'utf8');
const DOCS_DIRECTORY = join(ROOT, 'docs');
const DOC_FILES = readdirSync(DOCS_DIRECTORY).filter((name) => name.endsWith('.md')).sort();
const MARKDOWN_FILES = [README_PATH, ...DOC_FILES.map((name) => join(DOCS_DIRECTORY, name))];

/** The cells of one table row, trimmed. */
function cellsOf(line: string): string[] {
  return line.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((cell) => cell.trim());
}

/** The body rows (header and separator rows left out) of every table in the README section `## heading`. */
function tableRows(heading: string): string[][] {
  const start = README.indexOf(`\n## ${heading}\n`);
  if (start === -1) throw new Error(`README.md has no "## ${heading}" section`);
  const end = README.indexOf('\n## ', start + 1);
  const lines = README.slice(start, end === -1 ? undefined : end).split('\n');
  const rows: string[][] = [];
  lines.forEach((line, index) => {
    if (!line.startsWith('|')) return;
    const next = lines[index + 1] ?? '';
    const isHeader = /^\|[\s|:-]+\|$/.test(next.trim());
    const isSeparator = /^\|[\s|:-]+\|$/.test(line.trim());
    if (!isHeader && !isSeparator) rows.push(cellsOf(line));
  });
  return rows;
}

/** The backticked SCREAMING_SNAKE names in a cell. */
function namesIn(cell: string): string[] {
  return [...cell.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((match) => match[1]!);
}

describe('the configuration table', () => {
  const documented = tableRows('Configuration').flatMap((cells) => namesIn(cells[0] ?? ''));
  const source = readFileSync(join(ROOT, 'src/config.ts'), 'utf8');
  const readInSource = new Set([...source.matchAll(/\b(?:read|integer|oneOf|flag)\(\s*'([A-Z][A-Z0-9_]*)'/g)].map((match) => match[1]!));

  it.each(CONFIG_VARIABLES.map((name) => [name]))('lists %s', (name) => {
    expect(documented).toContain(name);
  });

  it('lists no variable that loadConfig does not read, and none twice', () => {
    expect(documented.filter((name) => !(CONFIG_VARIABLES as readonly string[]).includes(name))).toEqual([]);
    expect(documented.filter((name, index) => documented.indexOf(name) !== index)).toEqual([]);
  });

  it('is checked against a CONFIG_VARIABLES that matches the reader calls of src/config.ts', () => {
    expect([...readInSource].sort()).toEqual([...CONFIG_VARIABLES].sort());
  });
});

describe('the error table', () => {
  const rows = tableRows('Errors');
  const documented = rows.map((cells) => /^`([A-Z_]+)`$/.exec(cells[0] ?? '')?.[1]);

  it.each(Object.entries(ERROR_CODES))('gives %s its statuses and retryable flag', (code, contract) => {
    const row = rows.find((cells) => cells[0] === `\`${code}\``);
    expect(row, `no row for ${code}`).toBeDefined();
    expect(row!.slice(1, 4)).toEqual([String(contract.status), String(contract.answersJsonWith200 ? 200 : contract.status), `\`${contract.retryable}\``]);
  });

  it('lists no code outside ERROR_CODES, and none twice', () => {
    expect(documented.filter((code) => code === undefined || !Object.hasOwn(ERROR_CODES, code))).toEqual([]);
    expect(documented.filter((code, index) => documented.indexOf(code) !== index)).toEqual([]);
  });
});

describe('the limits table', () => {
  const rows = tableRows('Limits');
  const thousands = (value: number) => value.toLocaleString('en-US');
  const mebibytes = (value: number) => `${value / 2 ** 20} MiB`;
  // [constant, the text its row's default cell must contain]
  const bounds: Array<[string, string]> = [
    ['MAX_REQUEST_BODY_BYTES', thousands(MAX_REQUEST_BODY_BYTES)],
    ['BODY_PIECES_ALLOWANCE', thousands(BODY_PIECES_ALLOWANCE)],
    ['MIN_AVERAGE_BODY_PIECE_BYTES', `one per ${thousands(MIN_AVERAGE_BODY_PIECE_BYTES)} bytes`],
    ['MAX_BODY_JSON_VALUES', thousands(MAX_BODY_JSON_VALUES)],
    ['MAX_FORM_FIELDS', thousands(MAX_FORM_FIELDS)],
    ['MAX_DOCUMENT_BYTES', thousands(MAX_DOCUMENT_BYTES)],
    ['MAX_DOCUMENT_TOKENS', thousands(MAX_DOCUMENT_TOKENS)],
    ['MAX_DOCUMENT_NESTING', thousands(MAX_DOCUMENT_NESTING)],
    ['MAX_DEPTH', thousands(MAX_DEPTH)],
    ['MAX_ALIASES', thousands(MAX_ALIASES)],
    ['MAX_SCHEMA_INTROSPECTIONS', thousands(MAX_SCHEMA_INTROSPECTIONS)],
    ['MAX_VALIDATION_ERRORS', thousands(MAX_VALIDATION_ERRORS)],
    ['MAX_TOKEN_MUTATIONS', thousands(MAX_TOKEN_MUTATIONS)],
    ['MAX_ENTITY_REFERENCES', thousands(MAX_ENTITY_REFERENCES)],
    ['MAX_ENTITY_FETCHES', thousands(MAX_ENTITY_FETCHES)],
    ['MAX_KEYS_TRIED_WITHOUT_KID', thousands(MAX_KEYS_TRIED_WITHOUT_KID)],
    ['MAX_VARIABLE_LIST_ITEMS', thousands(MAX_VARIABLE_LIST_ITEMS)],
    ['MAX_VARIABLE_OBJECT_FIELDS', thousands(MAX_VARIABLE_OBJECT_FIELDS)],
    ['MAX_VARIABLE_DEPTH', thousands(MAX_VARIABLE_DEPTH)],
    ['MAX_IMAGE_BASE64_LENGTH', thousands(MAX_IMAGE_BASE64_LENGTH)],
    ['MAX_EXTRA_BYTES', thousands(MAX_EXTRA_BYTES)],
    ['MAX_META_DATA_BYTES', thousands(MAX_META_DATA_BYTES)],
    ['MAX_CARD_OCR_DISPLAY_FIELDS', `${thousands(MAX_CARD_OCR_DISPLAY_FIELDS)} entries`],
    ['MAX_CARD_OCR_FIELD_NAME_LENGTH', `${thousands(MAX_CARD_OCR_FIELD_NAME_LENGTH)} characters`],
    ['MAX_SELECTED_WARNING_CODES', thousands(MAX_SELECTED_WARNING_CODES)],
    ['MAX_LIVENESS_ACTIONS', `or ${MAX_LIVENESS_ACTIONS}`],
    ['MAX_SDK_TOKEN_LENGTH', thousands(MAX_SDK_TOKEN_LENGTH)],
    ['MAX_QUEUED_PER_CALLER', thousands(MAX_QUEUED_PER_CALLER)],
    ['MAX_QUEUED_PER_ACTION', thousands(MAX_QUEUED_PER_ACTION)],
    ['MAX_HEADERS_COUNT', thousands(MAX_HEADERS_COUNT)],
    ['MAX_TOKEN_ANSWER_BYTES', thousands(MAX_TOKEN_ANSWER_BYTES)],
    ['MAX_RESULT_MEDIA_BASE64_LENGTH', thousands(MAX_RESULT_MEDIA_BASE64_LENGTH)],
    ['MAX_LOGGED_CLIENT_TEXT', thousands(MAX_LOGGED_CLIENT_TEXT)],
    ['LOG_BUFFER_MAX_BYTES', mebibytes(LOG_BUFFER_MAX_BYTES)],
    ['MAX_QUOTED_TEXT_IN_MESSAGE', thousands(MAX_QUOTED_TEXT_IN_MESSAGE)],
    ['PARSE_CACHE_MAX_BYTES', mebibytes(PARSE_CACHE_MAX_BYTES)],
    ['PARSE_ERROR_CACHE_MAX_BYTES', mebibytes(PARSE_ERROR_CACHE_MAX_BYTES)],
    ['VERIFIED_TOKEN_CACHE_BYTES', mebibytes(VERIFIED_TOKEN_CACHE_BYTES)],
    ['VERIFIED_TOKEN_TTL_MS', `${thousands(VERIFIED_TOKEN_TTL_MS)} ms`],
    ['MAX_PENDING_VERIFICATION_BYTES', mebibytes(MAX_PENDING_VERIFICATION_BYTES)],
    ['JWKS_FETCH_TIMEOUT_MS', `${thousands(JWKS_FETCH_TIMEOUT_MS)} ms`],
    ['MAX_JWKS_BYTES', `${thousands(MAX_JWKS_BYTES)} bytes`],
    ['JWKS_RETRY_FIRST_MS', `none for ${thousands(JWKS_RETRY_FIRST_MS)} ms`],
    ['JWKS_RETRY_MAX_MS', `doubling to ${thousands(JWKS_RETRY_MAX_MS)} ms`],
    ['MAX_PIPELINED_REQUESTS', thousands(MAX_PIPELINED_REQUESTS)],
  ];

  it.each(bounds)('gives %s its value', (constant, text) => {
    const row = rows.find((cells) => namesIn(cells[0] ?? '').includes(constant));
    expect(row, `no row names ${constant}`).toBeDefined();
    expect(row![1]).toContain(text);
  });
});

describe('the performance section', () => {
  const results = readFileSync(join(ROOT, 'bench', 'results.md'), 'utf8');
  /** The cells of the results row whose figure starts with `figure`. */
  const resultRow = (figure: string) => {
    const line = results.split('\n').find((candidate) => candidate.startsWith(`| ${figure}`));
    if (!line) throw new Error(`bench/results.md has no row "${figure}"`);
    return cellsOf(line);
  };
  const leading = (cell: string) => /^[\d.]+/.exec(cell)![0];
  const thousands = (cell: string) => Number(leading(cell)).toLocaleString('en-US');
  const section = README.slice(README.indexOf('\n## Performance\n'), README.indexOf('\n## Read more\n'));

  it('quotes the run recorded in bench/results.md, with its date', () => {
    const measured = /Measured (\d{4}-\d\d-\d\d \d\d:\d\d) UTC/.exec(results)![1]!;
    expect(section).toContain(`${measured} UTC`);
  });

  it.each<[string, (row: string[]) => string[]]>([
    ['p50, client → service', (row) => [`${row[1]} ms`, `${leading(row[2]!)} ms`]],
    ['of which the packages alone', (row) => [`${row[1]} ms`]],
    ['p50 added over a direct signed call', (row) => [`${row[1]} ms`]],
    ['service CPU per minted token', (row) => [`${row[1]} ms`, `${row[2]} ms`]],
    ['refusal path', (row) => [thousands(row[1]!), thousands(row[2]!)]],
    ['  time to answer RATE_LIMITED, p50', (row) => [`${thousands(row[1]!)} ms`]],
    ['  RSS idle → after the burst', (row) => [`${row[1]!.split('→')[1]!.trim()} MB`]],
    ['`node dist/server.js` to /health', (row) => [`${row[1]} ms`]],
    ['idle RSS after start-up', (row) => [`${row[1]} MB`]],
  ])('gives the figure "%s" as the last run measured it', (figure, expected) => {
    for (const text of expected(resultRow(figure))) expect(section).toContain(text);
  });
});

describe('links', () => {
  it.each(DOC_FILES.map((name) => [name]))('the README links docs/%s', (name) => {
    expect(README).toContain(`](docs/${name}`);
  });

  /** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens. */
  const slugOf = (heading: string) =>
    heading
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
  const anchorsOf = (text: string) => new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((match) => slugOf(match[1]!)));

  const links = MARKDOWN_FILES.flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/\]\(([^)\s]+)\)/g)]
      .map((match) => match[1]!)
      .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target))
      .map((target): [string, string] => [relative(ROOT, file), target]),
  );

  it('finds links to check', () => {
    expect(links.length).toBeGreaterThan(DOC_FILES.length);
  });

  it.each(links)('in %s, %s points at an existing file and heading', (from, target) => {
    const [path, anchor] = target.split('#') as [string, string | undefined];
    const file = path === '' ? join(ROOT, from) : resolve(dirname(join(ROOT, from)), path);
    expect(existsSync(file), `${relative(ROOT, file)} does not exist`).toBe(true);
    if (anchor !== undefined && file.endsWith('.md')) {
      expect([...anchorsOf(readFileSync(file, 'utf8'))], `${relative(ROOT, file)} has no heading for #${anchor}`).toContain(anchor);
    }
  });
});
