/**
 * Responses that carry verification results: personal data that no cache may keep and no URL may carry.
 *
 * An operation that selects a result type (directly, through a fragment, or through federation's `_entities`)
 * is answered with `Cache-Control: no-store`, whatever its outcome; over GET it is refused before any resolver
 * runs (405): the SDK token would sit in the URL, where proxies and access logs keep it, and a GET can be
 * prefetched or replayed, each time costing a Tencent request.
 *
 * The check runs at execution, not as a validation rule: yoga caches validation per document, so a rule would
 * not see every request.
 */
import { TypeInfo, getNamedType, isAbstractType, visit, visitWithTypeInfo, type DocumentNode, type GraphQLNamedType, type GraphQLSchema } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { refusal } from '../errors.js';

/**
 * Whether `document` selects a field of, or returning, one of `typeNames`, or one returning a union or interface
 * that may hold one of them: `_entities { __typename }` reads a result from Tencent as surely as selecting its fields.
 */
export function selectsAnyType(schema: GraphQLSchema, document: DocumentNode, typeNames: ReadonlySet<string>): boolean {
  const typeInfo = new TypeInfo(schema);
  const mayHold = (type: GraphQLNamedType): boolean =>
    typeNames.has(type.name) || (isAbstractType(type) && schema.getPossibleTypes(type).some((possible) => typeNames.has(possible.name)));
  let found = false;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field() {
        const type = typeInfo.getType();
        const parent = typeInfo.getParentType();
        if ((type && mayHold(getNamedType(type))) || (parent && typeNames.has(parent.name))) found = true;
      },
      InlineFragment() {
        const condition = typeInfo.getType();
        if (condition && typeNames.has(getNamedType(condition).name)) found = true;
      },
    }),
  );
  return found;
}

/** Sets `Cache-Control: no-store` on responses selecting `resultTypeNames`, and refuses them over GET. */
export function useResultResponsePolicy(resultTypeNames: ReadonlySet<string>): Plugin {
  if (resultTypeNames.size === 0) throw new TypeError('useResultResponsePolicy: `resultTypeNames` must name at least one type');
  const carrying = new WeakSet<Request>();
  // yoga hands the same DocumentNode for the same query text (its parse cache), so each document is walked once.
  const verdicts = new WeakMap<DocumentNode, boolean>();
  const selectsResults = (schema: GraphQLSchema, document: DocumentNode): boolean => {
    let verdict = verdicts.get(document);
    if (verdict === undefined) {
      verdict = selectsAnyType(schema, document, resultTypeNames);
      verdicts.set(document, verdict);
    }
    return verdict;
  };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const request = (args.contextValue as { request?: Request }).request;
      if (!request || !selectsResults(args.schema, args.document)) return;
      carrying.add(request);
      if (request.method.toUpperCase() === 'GET') {
        // `data: null` marks it as an execution result, not a variables error (which the app recodes as a 400).
        setResultAndStopExecution({
          data: null,
          errors: [
            refusal('METHOD_NOT_ALLOWED', 'Verification results are served over POST only: an SDK token in a URL ends up in access logs.', {
              headers: { Allow: 'POST' },
            }),
          ],
        });
      }
    },
    onResponse({ request, response }) {
      if (!carrying.has(request)) return;
      // Deleted first: yoga builds some answers' headers from an object ('Cache-Control: no-cache' for server-sent
      // events), and the fetch ponyfill's set() under another case added a second header instead of replacing it.
      response.headers.delete('cache-control');
      response.headers.set('cache-control', 'no-store');
    },
  };
}
