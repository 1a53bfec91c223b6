/**
 * Bounds on the GraphQL document itself, checked before graphql-js parses it, and the byte-bounded caches of
 * parsed documents.
 *
 * The request body may be megabytes because images travel in variables; the document never needs to be. A large
 * document costs CPU to parse and memory to cache, and graphql-js's parser is recursive, so deep nesting
 * overflows the stack. Each bound below is far above what an honest document needs (the committed operations are
 * under 600 bytes and 30 tokens; the full introspection query GraphiQL and codegen send is about 2 KB, 183 tokens
 * and 10 brackets deep) and far below what would cost noticeable time or memory.
 */
import { parse, type DocumentNode, type ParseOptions, type Source, type Token } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { LRUCache } from 'lru-cache';
import { refusal } from '../errors.js';

/** Largest document, in UTF-8 bytes, counted before parsing. @default 16384 */
export const MAX_DOCUMENT_BYTES = 16 * 1024;
/** Most lexical tokens (names, punctuation, values; not comments) graphql-js parses before giving up. @default 1000 */
export const MAX_DOCUMENT_TOKENS = 1000;
/**
 * Deepest nesting of `{`, `(` and `[` outside strings and comments. graphql-js's parser recurses once per level and
 * overflows Node's stack between 1,000 and 2,000 levels; validation and execution recurse too. @default 32
 */
export const MAX_DOCUMENT_NESTING = 32;

/** Memory the parsed-document cache may hold, estimated as below. @default 32 MiB */
export const PARSE_CACHE_MAX_BYTES = 32 * 1024 * 1024;
/** Memory the cache of documents that failed to parse may hold. @default 4 MiB */
export const PARSE_ERROR_CACHE_MAX_BYTES = 4 * 1024 * 1024;
/**
 * Heap bytes one token of a parsed document takes (AST node, location, token objects). Measured on Node 20 with
 * graphql 16: 210–320 bytes per token; the larger figure with a margin.
 */
export const AST_BYTES_PER_TOKEN = 400;
/** How long an unused cached document is kept. @default 1 hour (yoga's default) */
export const PARSE_CACHE_TTL_MS = 60 * 60 * 1000;

const DOCUMENT_HINT = 'Images and other large values travel in variables, never in the document.';

/** Why a document is refused before parsing, or undefined when it is within the bounds. */
export function documentLimitViolation(text: string): string | undefined {
  // UTF-8 takes at most 3 bytes per UTF-16 unit: skip the exact count when the text is surely small or surely large.
  if (text.length > MAX_DOCUMENT_BYTES || (text.length * 3 > MAX_DOCUMENT_BYTES && Buffer.byteLength(text) > MAX_DOCUMENT_BYTES)) {
    return `The GraphQL document is larger than ${MAX_DOCUMENT_BYTES} bytes. ${DOCUMENT_HINT}`;
  }
  if (nestingExceeds(text, MAX_DOCUMENT_NESTING)) {
    return `The GraphQL document nests brackets more than ${MAX_DOCUMENT_NESTING} levels deep.`;
  }
  return undefined;
}

/**
 * Whether `{`, `(` or `[` nest deeper than `limit` outside strings, block strings and comments: one linear pass,
 * so the parser never sees a document deep enough to overflow its stack. Unbalanced brackets are left to the parser.
 */
export function nestingExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let index = 0;
  const length = text.length;
  while (index < length) {
    const code = text.charCodeAt(index);
    if (code === 0x23 /* # */) {
      while (index < length && text.charCodeAt(index) !== 0x0a && text.charCodeAt(index) !== 0x0d) index += 1;
    } else if (code === 0x22 /* " */) {
      if (text.startsWith('"""', index)) {
        index += 3;
        while (index < length && !(text.startsWith('"""', index) && text.charCodeAt(index - 1) !== 0x5c)) index += 1;
        index += 3;
        continue;
      }
      index += 1;
      while (index < length) {
        const inner = text.charCodeAt(index);
        if (inner === 0x5c /* \ */) index += 2;
        else if (inner === 0x22 || inner === 0x0a || inner === 0x0d) break;
        else index += 1;
      }
    } else if (code === 0x7b || code === 0x28 || code === 0x5b /* { ( [ */) {
      depth += 1;
      if (depth > limit) return true;
    } else if ((code === 0x7d || code === 0x29 || code === 0x5d) /* } ) ] */ && depth > 0) {
      depth -= 1;
    }
    index += 1;
  }
  return false;
}

/** graphql-js's message when `maxTokens` stops the parser. */
const TOO_MANY_TOKENS = /^Syntax Error: Document contains more that \d+ tokens\. Parsing aborted\.$/;

/** graphql-js's parse with the token bound; stopping at the bound is DOCUMENT_TOO_LARGE, not a syntax error. */
export function parseBounded(source: string | Source, options?: ParseOptions): DocumentNode {
  try {
    return parse(source, { ...options, maxTokens: MAX_DOCUMENT_TOKENS });
  } catch (error) {
    if (error instanceof Error && TOO_MANY_TOKENS.test(error.message)) {
      throw refusal('DOCUMENT_TOO_LARGE', `The GraphQL document has more than ${MAX_DOCUMENT_TOKENS} tokens. ${DOCUMENT_HINT}`);
    }
    throw error;
  }
}

/**
 * Refuses documents over MAX_DOCUMENT_BYTES or MAX_DOCUMENT_NESTING before any parsing (and before the parse
 * cache, which runs after the app's plugins), and parses the rest with MAX_DOCUMENT_TOKENS.
 */
export function useDocumentLimits(): Plugin {
  return {
    onParse({ params, setParseFn }) {
      const violation = documentLimitViolation(typeof params.source === 'string' ? params.source : params.source.body);
      if (violation) throw refusal('DOCUMENT_TOO_LARGE', violation);
      setParseFn(parseBounded);
    },
  };
}

/**
 * Tokens the parsed document keeps: its location links every token the lexer read, comments included, into one
 * chain. The parser's `tokenCount` leaves comments out, so a 16 KB document of 8,000 `#` lines was charged as one
 * of three tokens while it held 0.7 MB: unauthenticated requests filled a 512 MiB heap through the cache.
 */
export function retainedTokenCount(document: DocumentNode): number {
  let count = 0;
  for (let token: Token | null | undefined = document.loc?.startToken; token; token = token.next) count += 1;
  return count;
}

/** Estimated heap bytes of a cache entry: the key (held once as a string) and the parsed document, token by token. */
function documentEntryBytes(document: DocumentNode, key: string): number {
  const tokens = document.loc ? retainedTokenCount(document) : (document.tokenCount ?? key.length);
  return key.length * 2 + tokens * AST_BYTES_PER_TOKEN;
}

/**
 * Yoga's parser caches, bounded in bytes instead of yoga's 1,024 entries of any size. Validation results are
 * cached by yoga in a WeakMap keyed by the parsed document, so they leave with it.
 */
export function createDocumentCaches(): { documentCache: LRUCache<string, DocumentNode>; errorCache: LRUCache<string, Error> } {
  return {
    documentCache: new LRUCache<string, DocumentNode>({
      maxSize: PARSE_CACHE_MAX_BYTES,
      sizeCalculation: documentEntryBytes,
      ttl: PARSE_CACHE_TTL_MS,
    }),
    errorCache: new LRUCache<string, Error>({
      maxSize: PARSE_ERROR_CACHE_MAX_BYTES,
      // A parse error holds its message and the source it points into: the key.
      sizeCalculation: (error, key) => key.length * 2 + error.message.length * 2 + 1024,
      ttl: PARSE_CACHE_TTL_MS,
    }),
  };
}
