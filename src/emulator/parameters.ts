/**
 * A small vocabulary for Tencent's parameter tables: each parameter has a wire type (as the API docs print it) and
 * optional value constraints. Wrong JSON type → InvalidParameter, value out of range → InvalidParameterValue,
 * a key the action does not define → UnknownParameter: the codes Tencent's API framework uses.
 */
import { apiFailure, type ApiFailure } from './envelope.js';

/** Wire types exactly as Tencent's parameter tables name them. */
export type WireType = 'String' | 'Integer' | 'Boolean' | 'Array of Integer' | 'Array of String';

/** One row of an action's parameter table. */
export interface ParameterRule {
  type: WireType;
  /**
   * A closed vocabulary. Only values that fail a closed vocabulary are echoed in messages: free-form strings
   * (images, pass-through Extra) may be large or personal and never appear in an answer.
   */
  oneOf?: readonly (string | number)[];
  /** Inclusive bounds for an Integer. */
  min?: number;
  max?: number;
  /** A further check on a value of the right type; it must not echo the value either. */
  check?: (value: unknown, name: string) => ApiFailure | undefined;
}

/** An action's parameter table, in the order its parameters are checked. */
export type ParameterSchema = Readonly<Record<string, ParameterRule>>;

/** A parsed JSON request body. */
export type ParameterValues = Readonly<Record<string, unknown>>;

function isWireType(value: unknown, type: WireType): boolean {
  switch (type) {
    case 'String':
      return typeof value === 'string';
    case 'Integer':
      return Number.isInteger(value);
    case 'Boolean':
      return typeof value === 'boolean';
    case 'Array of Integer':
      return Array.isArray(value) && value.every((item) => Number.isInteger(item));
    case 'Array of String':
      return Array.isArray(value) && value.every((item) => typeof item === 'string');
  }
}

/** The JSON type of a value, for "must be String (got number)" messages. */
function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function checkValue(name: string, rule: ParameterRule, value: unknown): ApiFailure | undefined {
  if (!isWireType(value, rule.type)) {
    return apiFailure('InvalidParameter', `The parameter \`${name}\` must be of type ${rule.type} (got ${describeJsonType(value)}).`);
  }
  if (rule.oneOf && !rule.oneOf.includes(value as string | number)) {
    const allowed = rule.oneOf.map((item) => JSON.stringify(item)).join(', ');
    const got = typeof value === 'string' && value.length > 32 ? `${JSON.stringify(value.slice(0, 32))}…` : JSON.stringify(value);
    return apiFailure('InvalidParameterValue', `The value of \`${name}\` must be one of ${allowed} (got ${got}).`);
  }
  if (typeof value === 'number' && ((rule.min !== undefined && value < rule.min) || (rule.max !== undefined && value > rule.max))) {
    return apiFailure('InvalidParameterValue', `The value of \`${name}\` must be an integer from ${rule.min ?? '-∞'} to ${rule.max ?? '∞'} (got ${value}).`);
  }
  return rule.check?.(value, name);
}

/** Checks a body against a table: unknown keys first, then each parameter in table order; first failure wins. */
export function validateParameters(schema: ParameterSchema, params: ParameterValues): ApiFailure | undefined {
  // Object.hasOwn, not `in`: a body key such as "constructor" must not find Object.prototype's members.
  const unknown = Object.keys(params).filter((key) => !Object.hasOwn(schema, key));
  if (unknown.length > 0) {
    const names = unknown.slice(0, 5).map((key) => JSON.stringify(key.length > 64 ? `${key.slice(0, 64)}…` : key));
    return apiFailure('UnknownParameter', `The parameter(s) ${names.join(', ')} are not defined for this action; known parameters: ${Object.keys(schema).join(', ')}.`);
  }
  for (const [name, rule] of Object.entries(schema)) {
    if (!Object.hasOwn(params, name)) continue;
    const failure = checkValue(name, rule, params[name]);
    if (failure) return failure;
  }
  return undefined;
}
