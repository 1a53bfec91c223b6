/**
 * Schema publication: with introspection off, neither introspection queries nor federation's `_service { sdl }`
 * are answered, and routers compose from the committed schema/subgraph.graphql.
 */
import { NoSchemaIntrospectionCustomRule, type ValidationRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { refusal } from '../errors.js';
import { OperationLimitsRule } from './operation-limits.js';

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

/** Adds the gateway's validation rules: operation limits always; no introspection and no SDL when it is off. */
export function useValidationRules(introspection: boolean): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(OperationLimitsRule);
      if (!introspection) {
        addValidationRule(NoSchemaIntrospectionCustomRule);
        addValidationRule(NoServiceSdlRule);
      }
    },
  };
}
