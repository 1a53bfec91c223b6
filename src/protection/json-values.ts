/**
 * A bound on how many values a request body's JSON holds, checked before yoga parses it.
 *
 * JSON.parse builds an object for every value, and the values of a hostile body are cheap to send: an 8 MB body
 * of `[{},{},…]` costs half a second of CPU to parse and 180 MB of heap, against 13 ms and 8 MB for an 8 MB image
 * in one string. The variables limits refuse such a body only after it has been parsed. Counting first is a scan
 * that jumps over strings (where an image's bytes are) with a native search, so it costs a large legitimate body
 * about nothing and stops a hostile one within its first few kilobytes. It follows where it is in the JSON, so a
 * refusal inside the variables names the field, as the variables limits do.
 */
import {
  MAX_REPORTED_NAME_LENGTH,
  MAX_VARIABLE_DEPTH,
  MAX_VARIABLE_LIST_ITEMS,
  MAX_VARIABLE_OBJECT_FIELDS,
  VARIABLES_SHAPE_PROBLEMS,
  reportedKeyName,
} from './variables-limits.js';

/**
 * Most values a request body may hold, counted by the commas, brackets and braces outside strings (an upper
 * bound of the values JSON.parse creates, less one). The largest request of this API has a few hundred: its inputs
 * hold at most 32-entry lists, and the variables limits allow 64 items per list and 64 fields per object; 16,384
 * leaves room for any of those while a parse this large costs about a millisecond.
 */
export const MAX_BODY_JSON_VALUES = 16_384;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;

/** Where the count passed the bound: the path of the innermost open list or object, and what it held so far. */
export interface JsonValuesExcess {
  /** From the body's root: object keys, and list indexes as numbers. */
  path: Array<string | number>;
  /** Whether that innermost container is a list. */
  isList: boolean;
  /** Items (or fields) it held when the count passed the bound. */
  items: number;
}

/** The index of the quote that closes the string opened at `open`, or -1 when it never closes. */
function closingQuote(json: Buffer, open: number): number {
  let end = open;
  for (;;) {
    end = json.indexOf(QUOTE, end + 1);
    if (end < 0) return -1;
    let backslashes = 0;
    while (json[end - 1 - backslashes] === BACKSLASH) backslashes += 1;
    if (backslashes % 2 === 0) return end;
  }
}

/**
 * Scans `json` counting its commas, brackets and braces outside strings, up to one past `max`. When the count
 * passes `max`, says where: the open list or object holding the most items, and its path. Malformed JSON is
 * scanned as far as it goes: JSON.parse refuses it anyway.
 */
export function scanJsonValues(json: Buffer, max: number): { count: number; excess?: JsonValuesExcess } {
  // One frame per open container: whether it is a list, its separators so far, and (objects) the current key's
  // bounds in `json`, decoded only if the path is ever reported.
  const isList: boolean[] = [];
  const separators: number[] = [];
  const keyStart: number[] = [];
  const keyEnd: number[] = [];
  let awaitingKey = false;
  let count = 0;
  for (let index = 0; index < json.length; index++) {
    const byte = json[index];
    if (byte === QUOTE) {
      const end = closingQuote(json, index);
      if (end < 0) return { count };
      if (awaitingKey) {
        const top = isList.length - 1;
        keyStart[top] = index + 1;
        keyEnd[top] = end;
        awaitingKey = false;
      }
      index = end;
      continue;
    }
    if (byte === CLOSE_BRACKET || byte === CLOSE_BRACE) {
      isList.pop();
      separators.pop();
      keyStart.pop();
      keyEnd.pop();
      awaitingKey = false;
      continue;
    }
    if (byte !== COMMA && byte !== OPEN_BRACKET && byte !== OPEN_BRACE) continue;
    if (byte === COMMA) {
      const top = isList.length - 1;
      if (top >= 0) separators[top] = separators[top]! + 1;
      awaitingKey = top >= 0 && !isList[top];
    } else {
      isList.push(byte === OPEN_BRACKET);
      separators.push(0);
      keyStart.push(-1);
      keyEnd.push(-1);
      awaitingKey = byte === OPEN_BRACE;
    }
    count += 1;
    if (count <= max) continue;
    // The container the count grew in: the one with the most items, the innermost of equals (so a nesting bomb,
    // whose containers hold one item each, is reported at its full depth, which the depth check names).
    let widest = 0;
    for (let frame = 1; frame < isList.length; frame++) if (separators[frame]! >= separators[widest]!) widest = frame;
    const path: Array<string | number> = [];
    for (let frame = 0; frame < widest; frame++) {
      if (isList[frame]) path.push(separators[frame]!);
      else if (keyStart[frame]! >= 0) path.push(reportedKey(json, keyStart[frame]!, keyEnd[frame]!));
    }
    return { count, excess: { path, isList: isList[widest] ?? false, items: (separators[widest] ?? 0) + 1 } };
  }
  return { count };
}

/** An object key for a reported field, named as the variables limits name keys (reportedKeyName). */
function reportedKey(json: Buffer, start: number, end: number): string {
  // One character past the bound, so that a longer key is still reported as cut.
  return reportedKeyName(json.toString('latin1', start, Math.min(end, start + MAX_REPORTED_NAME_LENGTH + 1)));
}

/**
 * Most fields of a form body. A GraphQL request has four (`query`, `operationName`, `variables`, `extensions`); the
 * form is parsed twice (here, and by yoga), and 4 million empty fields in 8 MB cost half a second each time.
 */
export const MAX_FORM_FIELDS = 16;

const AMPERSAND = 0x26;

/** Whether a form body has more than MAX_FORM_FIELDS fields (`&`-separated), counting no further than the bound. */
function formFieldsExceed(body: Buffer): boolean {
  let separators = 0;
  for (let at = body.indexOf(AMPERSAND); at !== -1; at = body.indexOf(AMPERSAND, at + 1)) {
    if (++separators >= MAX_FORM_FIELDS) return true;
  }
  return false;
}

function isForm(contentType: string | null): boolean {
  return (contentType ?? '').split(/[;,]/)[0]!.trim() === 'application/x-www-form-urlencoded';
}

/** The JSON texts of a body that yoga would parse: the whole body, or a form's `variables` and `extensions`. */
function jsonTextsOf(body: Buffer, contentType: string | null): Array<{ json: Buffer; root: Array<string | number> }> {
  const mediaType = (contentType ?? '').split(/[;,]/)[0]!.trim();
  if (mediaType === 'application/json' || mediaType === 'application/graphql+json') return [{ json: body, root: [] }];
  if (mediaType === 'application/x-www-form-urlencoded') {
    const form = new URLSearchParams(body.toString('utf8'));
    return ['variables', 'extensions'].flatMap((name) => {
      const value = form.get(name);
      return value === null ? [] : [{ json: Buffer.from(value), root: [name] }];
    });
  }
  return [];
}

/** Why a body's JSON is refused: the message, and the field when it happened inside the variables. */
export interface JsonValuesRefusal {
  field: string | undefined;
  message: string;
}

/** A field path as the variables limits name it: `input.cardOcrDisplayFields`, `a[0][0]`. */
function fieldOf(path: ReadonlyArray<string | number>): string {
  let field = '';
  for (const segment of path) field += typeof segment === 'number' ? `[${segment}]` : field === '' ? segment : `.${segment}`;
  return field;
}

/**
 * Whether the JSON yoga would parse from `body` holds more than `max` values, and if so why, in the words of the
 * variables limits when it happened inside the variables.
 */
export function checkBodyJsonValues(body: Buffer, contentType: string | null, max = MAX_BODY_JSON_VALUES): JsonValuesRefusal | undefined {
  if (isForm(contentType) && formFieldsExceed(body)) {
    return {
      field: undefined,
      message: `The form has more than ${MAX_FORM_FIELDS} fields; a GraphQL request has at most four: query, operationName, variables and extensions.`,
    };
  }
  let left = max;
  for (const { json, root } of jsonTextsOf(body, contentType)) {
    const { count, excess } = scanJsonValues(json, left);
    left -= count;
    if (!excess) continue;
    const path = [...root, ...excess.path];
    // A list where the variables object belongs: a malformed request, told as yoga tells it, whatever it holds.
    if (path[0] === 'variables' && (typeof path[1] === 'number' || (path.length === 1 && excess.isList))) {
      return { field: undefined, message: 'Expected "variables" param to be empty or an object, but given array.' };
    }
    // The variables object itself too wide: the variables limits name it `variables`.
    if (path.length === 1 && path[0] === 'variables' && !excess.isList && excess.items > MAX_VARIABLE_OBJECT_FIELDS) {
      return { field: 'variables', message: `variables ${VARIABLES_SHAPE_PROBLEMS.tooManyFields(`more than ${excess.items - 1}`)}.` };
    }
    if (path[0] !== 'variables' || path.length < 2) {
      return {
        field: undefined,
        message: `The request body holds more than ${max} JSON values (counted by the commas, brackets and braces outside strings); no request to this API needs more than a few hundred.`,
      };
    }
    // Inside the variables: the bound the variables limits would have named, at the same place.
    const inVariables = path.slice(1);
    if (inVariables.length > MAX_VARIABLE_DEPTH) {
      const field = fieldOf(inVariables.slice(0, MAX_VARIABLE_DEPTH + 1));
      return { field, message: `${field} ${VARIABLES_SHAPE_PROBLEMS.tooDeep()}.` };
    }
    const field = fieldOf(inVariables);
    if (excess.isList && excess.items > MAX_VARIABLE_LIST_ITEMS) {
      return { field, message: `${field} ${VARIABLES_SHAPE_PROBLEMS.tooManyItems(`more than ${excess.items - 1}`)}.` };
    }
    if (!excess.isList && excess.items > MAX_VARIABLE_OBJECT_FIELDS) {
      return { field, message: `${field} ${VARIABLES_SHAPE_PROBLEMS.tooManyFields(`more than ${excess.items - 1}`)}.` };
    }
    return { field, message: `${field} holds more than ${max} JSON values; no input of this schema holds more than a few hundred.` };
  }
  return undefined;
}
