/**
 * Validation rules that bound what one GraphQL operation may ask: nesting depth, aliases, and token mutations.
 * The schema is shallow, so honest operations are far inside these limits; the limits stop an operation from
 * multiplying work (or Tencent calls, through aliases) beyond what one request should cost.
 */
import {
  type GraphQLError,
  Kind,
  type ASTNode,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { refusal } from '../errors.js';

/** Deepest selection nesting allowed. */
export const MAX_DEPTH = 8;
/** Most aliases in one operation. */
export const MAX_ALIASES = 10;
/** Most token mutations (each one a Tencent call) in one operation. */
export const MAX_TOKEN_MUTATIONS = 2;
/** The root fields that spend Tencent budget. */
export const TOKEN_MUTATIONS: ReadonlySet<string> = new Set(['getSelfieToken', 'applyEkycToken']);

const INTROSPECTION_ROOT_FIELDS: ReadonlySet<string> = new Set(['__schema', '__type']);

function limitError(message: string, node: ASTNode): GraphQLError {
  return refusal('OPERATION_LIMIT_EXCEEDED', message, { nodes: node });
}

interface Measure {
  depth: number;
  aliases: number;
}

function measure(
  selectionSet: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  visiting: Set<string>,
): Measure {
  let depth = 0;
  let aliases = 0;
  for (const selection of selectionSet.selections) {
    let inner: Measure = { depth: 0, aliases: 0 };
    let ownDepth = 0;
    if (selection.kind === Kind.FIELD) {
      if (selection.alias) aliases += 1;
      ownDepth = 1;
      if (selection.selectionSet) inner = measure(selection.selectionSet, fragments, visiting);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      inner = measure(selection.selectionSet, fragments, visiting);
    } else {
      const fragment = fragments.get(selection.name.value);
      // A cycle or an unknown fragment is reported by graphql-js's own rules; do not loop on it here.
      if (fragment && !visiting.has(fragment.name.value)) {
        visiting.add(fragment.name.value);
        inner = measure(fragment.selectionSet, fragments, visiting);
        visiting.delete(fragment.name.value);
      }
    }
    depth = Math.max(depth, ownDepth + inner.depth);
    aliases += inner.aliases;
  }
  return { depth, aliases };
}

/** Rejects operations deeper than MAX_DEPTH, with more than MAX_ALIASES aliases or MAX_TOKEN_MUTATIONS token mutations. */
export const OperationLimitsRule: ValidationRule = (context: ValidationContext) => {
  const fragments = new Map(
    context
      .getDocument()
      .definitions.filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION)
      .map((fragment) => [fragment.name.value, fragment]),
  );
  return {
    OperationDefinition(operation) {
      const name = operation.name ? `Operation "${operation.name.value}"` : 'The operation';
      // Introspection (GraphiQL's, codegen's) nests 15 levels deep by design; whether it is answered at all is
      // the INTROSPECTION setting's decision, not these limits'.
      const selections = operation.selectionSet.selections.filter(
        (selection) => !(selection.kind === Kind.FIELD && INTROSPECTION_ROOT_FIELDS.has(selection.name.value)),
      );
      const { depth, aliases } = measure({ ...operation.selectionSet, selections }, fragments, new Set());
      if (depth > MAX_DEPTH) context.reportError(limitError(`${name} is nested ${depth} levels deep; the limit is ${MAX_DEPTH}.`, operation));
      if (aliases > MAX_ALIASES) context.reportError(limitError(`${name} uses ${aliases} aliases; the limit is ${MAX_ALIASES}.`, operation));
      if (operation.operation === 'mutation') {
        const tokens = operation.selectionSet.selections.filter(
          (selection) => selection.kind === Kind.FIELD && TOKEN_MUTATIONS.has(selection.name.value),
        ).length;
        if (tokens > MAX_TOKEN_MUTATIONS) {
          context.reportError(
            limitError(`${name} asks for ${tokens} tokens; the limit is ${MAX_TOKEN_MUTATIONS} per operation (each one is a Tencent call).`, operation),
          );
        }
      }
    },
  };
};
