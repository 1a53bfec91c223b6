/**
 * A bound on the shape of a request's variables, checked before the document is parsed or the variables are
 * coerced. Every list and object of this schema's inputs is small (the longest list takes 32 entries), so a
 * variable with a million-item list or deep nesting is refused at once, in time linear in the JSON the body
 * parser already holds, instead of being coerced item by item by graphql-js. Field rules (requests.ts) check
 * the meaning of each value later; this only caps the cost of getting there.
 */
import type { Plugin } from 'graphql-yoga';
import { refusal } from '../errors.js';

/** Most items in any list of the variables: well above the schema's longest list (32). */
export const MAX_VARIABLE_LIST_ITEMS = 64;
/** Most fields in any object of the variables: the widest input type has 21. */
export const MAX_VARIABLE_OBJECT_FIELDS = 64;
/** Deepest nesting of objects and lists in the variables: `{ input: { list: [...] } }` is 3. */
export const MAX_VARIABLE_DEPTH = 8;
/** Longest variable or field name kept in an error's `field`: names beyond it are client text, not ours. */
export const MAX_REPORTED_NAME_LENGTH = 64;

/**
 * What is wrong at a field, in the words every refusal of the variables' shape uses (here, and in json-values.ts
 * before the body is parsed); `count` is a number, or "more than N" when counting stopped early.
 */
export const VARIABLES_SHAPE_PROBLEMS = {
  tooDeep: () => `is nested deeper than ${MAX_VARIABLE_DEPTH} levels`,
  tooManyItems: (count: number | string) => `is a list of ${count} items; no input of this schema takes more than ${MAX_VARIABLE_LIST_ITEMS}`,
  tooManyFields: (count: number | string) => `has ${count} fields; no input of this schema has more than ${MAX_VARIABLE_OBJECT_FIELDS}`,
};

/** A GraphQL name, the only kind of key an input of this schema has. */
const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;

/**
 * An object key as a reported field names it: a GraphQL name, cut to MAX_REPORTED_NAME_LENGTH characters; any
 * other key (which no input has) is client text, and is reported as `…`.
 */
export function reportedKeyName(key: string): string {
  const head = key.slice(0, MAX_REPORTED_NAME_LENGTH);
  if (!GRAPHQL_NAME.test(head)) return '…';
  return key.length > MAX_REPORTED_NAME_LENGTH ? `${head}…` : head;
}

function pathOf(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  const name = reportedKeyName(key);
  return parent === 'variables' ? name : `${parent}.${name}`;
}

/**
 * The first place where `variables` exceeds a bound, named as the gateway names input fields (`input.metaData`,
 * `input.cardOcrDisplayFields`), with the problem; undefined when within every bound.
 */
export function findVariablesOverLimit(variables: unknown): { field: string; problem: string } | undefined {
  // Variables that are no object (a list, a string) are not the caller's input but a malformed request: yoga refuses
  // them as BAD_REQUEST ("Expected \"variables\" param to be empty or an object"), whatever they hold.
  if (typeof variables !== 'object' || variables === null || Array.isArray(variables)) return undefined;
  // Iterative, so nesting cannot overflow the stack before the depth bound is reached.
  const pending: Array<{ value: unknown; path: string; depth: number }> = [{ value: variables, path: 'variables', depth: 0 }];
  while (pending.length > 0) {
    const { value, path, depth } = pending.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > MAX_VARIABLE_DEPTH) return { field: path, problem: VARIABLES_SHAPE_PROBLEMS.tooDeep() };
    if (Array.isArray(value)) {
      if (value.length > MAX_VARIABLE_LIST_ITEMS) {
        return { field: path, problem: VARIABLES_SHAPE_PROBLEMS.tooManyItems(value.length) };
      }
      value.forEach((item, index) => pending.push({ value: item, path: pathOf(path, index), depth: depth + 1 }));
      continue;
    }
    const keys = Object.keys(value);
    if (keys.length > MAX_VARIABLE_OBJECT_FIELDS) {
      return { field: path, problem: VARIABLES_SHAPE_PROBLEMS.tooManyFields(keys.length) };
    }
    for (const key of keys) pending.push({ value: (value as Record<string, unknown>)[key], path: pathOf(path, key), depth: depth + 1 });
  }
  return undefined;
}

/** Refuses a request whose variables exceed a shape bound (BAD_USER_INPUT, `field` names where). */
export function useVariablesLimits(): Plugin {
  return {
    onParams({ params }) {
      const overLimit = findVariablesOverLimit(params.variables);
      if (overLimit) {
        throw refusal('BAD_USER_INPUT', `${overLimit.field} ${overLimit.problem}.`, { extensions: { field: overLimit.field } });
      }
    },
  };
}
