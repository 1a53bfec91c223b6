/**
 * Schema publication: with introspection off, neither introspection queries nor federation's `_service { sdl }`
 * are answered, and routers compose from the committed schema/subgraph.graphql.
 */
import { NoSchemaIntrospectionCustomRule, validate, type ValidationRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { refusal } from '../errors.js';
import { NoSubscriptionsRule, OperationLimitsRule } from './operation-limits.js';

/** Federation's `{ _service { sdl } }` publishes the whole schema, as introspection does. */
export const NoServiceSdlRule: ValidationRule = (context) => ({
  Field(node) {
    if (node.name.value === '_service' && context.getParentType()?.name === 'Query') {
      context.reportError(
        refusal(
          'GRAPHQL_VALIDATION_FAILED',
          'The schema is not published (INTROSPECTION=false): compose from schema/subgraph.graphql instead of querying _service.',
          { nodes: node },
        ),
      );
    }
  },
});

/**
 * Validation errors reported per operation; graphql-js then stops, adding "Too many validation errors, error limit
 * reached. Validation aborted.". Its default, 100, let a 506-byte document of 120 unknown fields cost 3.5 ms of CPU
 * (about 30 µs an error) and a 16 KB answer, twelve times an ordinary refusal; nobody fixes the eleventh error of
 * an operation before the first ten.
 */
export const MAX_VALIDATION_ERRORS = 10;

/**
 * Adds the gateway's validation rules: operation limits and no subscriptions always; with introspection off, no
 * introspection, no SDL, and no "Did you mean …?" suggestions (they would spell out the schema one guess at a time).
 */
export function useValidationRules(introspection: boolean): Plugin {
  const options = { maxErrors: MAX_VALIDATION_ERRORS, hideSuggestions: !introspection };
  return {
    onValidate({ addValidationRule, setValidationFn }) {
      addValidationRule(OperationLimitsRule);
      addValidationRule(NoSubscriptionsRule);
      if (!introspection) {
        addValidationRule(NoSchemaIntrospectionCustomRule);
        addValidationRule(NoServiceSdlRule);
      }
      setValidationFn((schema, document, rules) => validate(schema, document, rules, options));
    },
  };
}
