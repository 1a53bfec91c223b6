/**
 * Which operation of a document to run. yoga answers every failure to choose one with "Could not determine what
 * operation to execute.", which does not say whether `operationName` names nothing, is missing, is not a string,
 * or whether the document holds no operation at all. Checked right after parsing, before yoga's own check; a
 * request whose operation resolves costs one lookup, as yoga's does.
 */
import { getOperationAST, Kind, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { quotedName } from '../error-contract.js';
import { refusal } from '../errors.js';

/** Operation names listed in a refusal at most; a document of 1,000 tokens could define hundreds. */
const MAX_LISTED_OPERATIONS = 5;

function nameOf(operation: OperationDefinitionNode): string {
  return operation.name ? (quotedName(operation.name.value) ?? '"…"') : 'an unnamed one';
}

function listOf(operations: readonly OperationDefinitionNode[]): string {
  const names = operations.slice(0, MAX_LISTED_OPERATIONS).map(nameOf);
  return operations.length > MAX_LISTED_OPERATIONS ? `${names.join(', ')} and ${operations.length - MAX_LISTED_OPERATIONS} more` : names.join(', ');
}

/** The refusal for a document whose operation to run cannot be chosen; undefined when it can. */
export function operationChoiceProblem(document: DocumentNode, operationName: unknown) {
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') {
    return refusal('BAD_REQUEST', 'operationName must be a string naming one of the document\'s operations.');
  }
  if (getOperationAST(document, operationName)) return undefined;
  const operations = document.definitions.filter((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION);
  if (operations.length === 0) return refusal('BAD_REQUEST', 'The document defines no operation to run (a query or a mutation), only fragments.');
  if (operationName) {
    const named = quotedName(operationName) ?? 'given';
    return refusal('BAD_REQUEST', `The operationName ${named} names no operation of the document; it defines ${listOf(operations)}.`);
  }
  const names = operations.map((operation) => operation.name?.value);
  const repeated = operations.find((operation, index) => operation.name && names.indexOf(operation.name.value) !== index);
  if (repeated) {
    return refusal('GRAPHQL_VALIDATION_FAILED', `There can be only one operation named ${nameOf(repeated)}.`, {
      nodes: operations.filter((operation) => operation.name?.value === repeated.name!.value),
    });
  }
  const unnamed = operations.filter((operation) => !operation.name).length;
  const advice = unnamed > 0 ? 'name each operation, and the one to run in operationName' : 'name the one to run in operationName';
  return refusal('BAD_REQUEST', `The document defines ${operations.length} operations (${listOf(operations)}): ${advice}.`);
}

/**
 * Refuses a request whose operation cannot be chosen, saying why (BAD_REQUEST; GRAPHQL_VALIDATION_FAILED for a
 * repeated name). An empty operationName, which some clients send for an unnamed operation, means none.
 */
export function useOperationChoice(): Plugin {
  return {
    onParams({ params, setParams }) {
      if (params.operationName === '') setParams({ ...params, operationName: undefined });
    },
    onParse() {
      return ({ result, context }) => {
        // yoga's request context holds the GraphQL params; a document parsed outside a request has none to check.
        const params = (context as { params?: { operationName?: unknown } }).params;
        if (!params || !result || result instanceof Error) return;
        const problem = operationChoiceProblem(result as DocumentNode, params.operationName);
        if (problem) throw problem;
      };
    },
  };
}
