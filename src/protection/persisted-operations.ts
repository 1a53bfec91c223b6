/**
 * Persisted-operations mode: the gateway runs only the operations committed in schema/operations, identified by
 * the SHA-256 of their text as graphql-js `print()` writes it, sent as Apollo's
 * `extensions.persistedQuery = { version: 1, sha256Hash }`. Anything else is refused before parsing.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { Kind, parse, print, type DocumentNode, type FragmentDefinitionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { ERROR_CODES, httpExtension, type ErrorCode } from '../errors.js';

/** The id of an operation document: hex SHA-256 of its printed text. */
export function persistedOperationId(document: DocumentNode): string {
  return createHash('sha256').update(print(document), 'utf8').digest('hex');
}

/**
 * Reads every `.graphql` file of `directory` and returns each operation (with the fragments of its file) by id.
 * Throws when the directory holds no operation: an empty allowlist would refuse every request.
 */
export function loadPersistedOperations(directory: string): Map<string, DocumentNode> {
  const operations = new Map<string, DocumentNode>();
  for (const file of readdirSync(directory).filter((name) => name.endsWith('.graphql')).sort()) {
    const document = parse(readFileSync(join(directory, file), 'utf8'));
    const fragments = document.definitions.filter(
      (definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION,
    );
    for (const definition of document.definitions) {
      if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
      const single: DocumentNode = { kind: Kind.DOCUMENT, definitions: [definition, ...fragments] };
      operations.set(persistedOperationId(single), single);
    }
  }
  if (operations.size === 0) throw new Error(`No GraphQL operation found in ${directory}: persisted-operations mode would refuse everything.`);
  return operations;
}

/** Runs only the operations of `allowed` (by hash); anything else is refused with a PERSISTED_QUERY_* code. */
export function usePersistedOperationsOnly(allowed: ReadonlyMap<string, DocumentNode>): Plugin {
  const refusalOf = (code: ErrorCode, message: string) => ({
    message,
    extensions: { code, retryable: ERROR_CODES[code].retryable, http: httpExtension(code) },
  });
  return usePersistedOperations({
    getPersistedOperation: (hash) => allowed.get(hash) ?? null,
    allowArbitraryOperations: false,
    customErrors: {
      notFound: refusalOf('PERSISTED_QUERY_NOT_IN_LIST', 'No operation of schema/operations has this sha256Hash.'),
      persistedQueryOnly: refusalOf(
        'PERSISTED_QUERY_ONLY',
        'This gateway runs only the operations of schema/operations: send extensions.persistedQuery.sha256Hash, not the query text.',
      ),
      keyNotFound: refusalOf('PERSISTED_QUERY_ID_REQUIRED', 'Send extensions.persistedQuery = { "version": 1, "sha256Hash": "<hash>" }.'),
    },
  });
}
