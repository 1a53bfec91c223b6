/**
 * Persisted operations, both ways round.
 *
 * Persisted-operations mode (PERSISTED_OPERATIONS_ONLY): the gateway runs only the operations committed in
 * schema/operations, identified by the SHA-256 of their text, sent as Apollo's
 * `extensions.persistedQuery = { version: 1, sha256Hash }`. Anything else is refused before parsing. Apollo Client
 * and urql add `__typename` to every selection set before they hash, so each committed operation is also known by
 * the hash of the text each of them sends for it; that hash runs the document it stands for, `__typename` included.
 *
 * Otherwise: a request with a hash and no text (those clients' first try) is answered `PersistedQueryNotSupported`,
 * which makes them resend the operation with its text.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import {
  Kind,
  parse,
  print,
  visit,
  type ASTNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { ERROR_CODES, httpExtension, refusal, type ErrorCode } from '../errors.js';

/** Hex SHA-256 of a text, as the clients' `sha256Hash`. */
function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The id of an operation document: hex SHA-256 of its text as graphql-js `print()` writes it. */
export function persistedOperationId(document: DocumentNode): string {
  return sha256Hex(print(document));
}

const TYPENAME_FIELD: FieldNode = { kind: Kind.FIELD, name: { kind: Kind.NAME, value: '__typename' } };

function isField(selection: SelectionNode): selection is FieldNode {
  return selection.kind === Kind.FIELD;
}

/** The selection set with `__typename` appended, as both clients append it: last. */
function withTypenameField(selectionSet: SelectionSetNode): SelectionSetNode {
  return { ...selectionSet, selections: [...selectionSet.selections, TYPENAME_FIELD] };
}

/**
 * The document as Apollo Client 3 and 4 send it with InMemoryCache: `addTypenameToDocument`
 * (utilities/graphql/transform.js) adds `__typename` to every selection set but the operation's own, unless it
 * already selects `__typename` or any `__` field (aliased or not), or belongs to an `@export` field.
 */
export function withApolloTypenames(document: DocumentNode): DocumentNode {
  return visit(document, {
    SelectionSet: {
      enter(node, _key, parent) {
        const owner = parent as ASTNode | undefined;
        if (owner && 'kind' in owner && owner.kind === Kind.OPERATION_DEFINITION) return undefined;
        if (node.selections.some((selection) => isField(selection) && selection.name.value.startsWith('__'))) return undefined;
        if (owner && 'kind' in owner && owner.kind === Kind.FIELD && owner.directives?.some((directive) => directive.name.value === 'export')) {
          return undefined;
        }
        return withTypenameField(node);
      },
    },
  });
}

/**
 * The document as urql sends it through its cacheExchange: `formatDocument` (@urql/core) adds `__typename` to every
 * selection set but the operation's own unless one selects it unaliased, and drops directives named `_…` (its
 * client-only directives) from definitions and selections.
 */
export function withUrqlTypenames(document: DocumentNode): DocumentNode {
  return visit(document, {
    Directive: {
      enter(node, _key, _parent, _path, ancestors) {
        const owner = ancestors[ancestors.length - 2] as ASTNode | undefined;
        const onVariable = owner && 'kind' in owner && owner.kind === Kind.VARIABLE_DEFINITION;
        return node.name.value.startsWith('_') && !onVariable ? null : undefined;
      },
    },
    SelectionSet: {
      enter(node, _key, parent) {
        const owner = parent as ASTNode | undefined;
        if (owner && 'kind' in owner && owner.kind === Kind.OPERATION_DEFINITION) return undefined;
        if (node.selections.some((selection) => isField(selection) && selection.name.value === '__typename' && !selection.alias)) return undefined;
        return withTypenameField(node);
      },
    },
  });
}

// urql's `sanitizeDocument` (@urql/core utils/request.ts): outside string literals, a comment and the line breaks
// after it become one line break.
const STRING_LITERAL = /("{3}[\s\S]*"{3}|"(?:\\.|[^"])*")/g;
const COMMENT_AND_LINE_BREAKS = /(?:#[^\n\r]+)?(?:[\r\n]+|$)/g;

/**
 * The text urql hashes: `stringifyDocument` prints with @0no-co/graphql.web, which writes what graphql-js `print()`
 * writes for these documents, then sanitizes it, which joins definitions with one line break instead of a blank
 * line. The client tests compare it with the real urql for every committed operation.
 */
export function printLikeUrql(document: DocumentNode): string {
  return print(document)
    .split(STRING_LITERAL)
    .map((part, index) => (index % 2 === 0 ? part.replace(COMMENT_AND_LINE_BREAKS, '\n') : part))
    .join('')
    .trim();
}

/** One text a client sends for a committed operation, and the document it stands for. */
export interface ClientText {
  text: string;
  document: DocumentNode;
}

/** What each client hashes for a committed operation: the text as committed, Apollo Client's, urql's. */
export function clientTextsOf(operation: DocumentNode): ClientText[] {
  const apollo = withApolloTypenames(operation);
  const urql = withUrqlTypenames(operation);
  return [
    { text: print(operation), document: operation },
    { text: print(apollo), document: apollo },
    { text: printLikeUrql(urql), document: urql },
  ];
}

/**
 * Reads every `.graphql` file of `directory` and returns each operation (with the fragments of its file) by the
 * hash of each text a client sends for it (clientTextsOf): at most three entries an operation, fixed at start-up.
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
      for (const { text, document: variant } of clientTextsOf(single)) {
        const id = sha256Hex(text);
        if (!operations.has(id)) operations.set(id, variant);
      }
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

/**
 * The message Apollo Client's persisted-queries link and urql's persistedExchange resend the text on, and stop
 * hashing for good. urql compares the message and nothing else, so it can say no more than this.
 */
export const PERSISTED_QUERY_NOT_SUPPORTED_MESSAGE = 'PersistedQueryNotSupported';

function isPersistedQueryExtension(extensions: unknown): boolean {
  return typeof extensions === 'object' && extensions !== null && 'persistedQuery' in extensions && extensions.persistedQuery != null;
}

/**
 * For a gateway that runs any operation: a request with `extensions.persistedQuery` and no query text is refused
 * with BAD_REQUEST `PersistedQueryNotSupported`, so those clients resend it with its text instead of failing on
 * yoga's "Must provide query string.". Not PersistedQueryNotFound: the gateway keeps no client text, and "not
 * found" would make the clients send every operation twice for ever. A request with text runs the text.
 */
export function usePersistedQueriesNotSupported(): Plugin {
  return {
    onParams({ params }) {
      if (!params.query && isPersistedQueryExtension(params.extensions)) throw refusal('BAD_REQUEST', PERSISTED_QUERY_NOT_SUPPORTED_MESSAGE);
    },
  };
}
