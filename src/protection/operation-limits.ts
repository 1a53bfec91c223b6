/**
 * Validation rules that bound what one GraphQL operation may ask: nesting depth, aliases, and token mutations.
 * The schema is shallow, so honest operations are far inside these limits; the limits stop an operation from
 * multiplying work (or Tencent calls, through aliases) beyond what one request should cost.
 *
 * One walk measures all three, and it sees through fragment spreads and inline fragments. Each fragment is
 * measured once and its measure reused wherever it is spread, so the walk is linear in the document even when
 * fragments spread each other twice per level (a document of 1 KB would otherwise expand to millions of
 * selections).
 */
import {
  type GraphQLError,
  Kind,
  type ASTNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { refusal } from '../errors.js';

/** Deepest selection nesting allowed, not counting what is selected inside `__schema` or `__type`. */
export const MAX_DEPTH = 8;
/**
 * Most aliases in one operation, counted once per place a fragment is spread, introspection included: each alias
 * copies what it selects into the answer, and copies nested through fragments multiply (a 775-byte document of
 * aliased `__type` selections six levels deep was answered with 146 MB). Counting every copy the expanded
 * operation makes keeps any answer within 11 copies of what the same operation without aliases selects.
 */
export const MAX_ALIASES = 10;
/** Most token mutations (each one a Tencent call) one operation executes. */
export const MAX_TOKEN_MUTATIONS = 2;
/** The root fields that spend Tencent budget. */
export const TOKEN_MUTATIONS: ReadonlySet<string> = new Set(['getSelfieToken', 'applyEkycToken']);
/**
 * Introspection fields, whose selections MAX_DEPTH does not count (the standard introspection query is 15 levels
 * deep): graphql-js bounds their nesting of lists (MaxIntrospectionDepthRule, among the specified rules), and the
 * document's own bound (32 brackets deep) the rest. Their aliases count like any other.
 */
export const INTROSPECTION_ROOT_FIELDS: ReadonlySet<string> = new Set(['__schema', '__type']);

/**
 * Most `__schema` fields (by response key) one operation selects. One is what every introspecting tool sends; each
 * is a copy of the whole schema (about 25 KB), so a 4 KB document of 41 aliased `__schema` fields was answered with
 * 1 MB, wherever introspection is on.
 */
export const MAX_SCHEMA_INTROSPECTIONS = 1;

/**
 * The root fields that read a verification result (`_entities` too, through which a router reads them). An alias
 * inside one copies what it selects into the answer once more: ten aliases of a 25 MB video made one read answer
 * 250 MB. The answer is what Tencent sent; a client that wants it twice can read it twice.
 */
export const RESULT_READS: ReadonlySet<string> = new Set(['selfieVerificationResult', 'ekycVerificationResult', '_entities']);

/** The federation field through which a router reads entities of this subgraph. */
export const ENTITIES_FIELD = '_entities';
/**
 * Most `_entities` fields (by response key) one operation selects. A router that merges several entity fetches into
 * one request (Hive Gateway: `_v0__entities`, `_v1__entities`, …) aliases them, so their aliases do not count
 * against MAX_ALIASES: each resolves references of its own, and the references of all of them together are bounded
 * (MAX_ENTITY_REFERENCES), so an alias here copies nothing. 32 is more fetches than a query plan makes of one subgraph.
 */
export const MAX_ENTITY_FETCHES = 32;

/** Counts stop growing here: past every limit, and safe from overflow when fragments multiply (2^n spreads). */
const COUNT_CEILING = 1_000_000;
/** Token response keys kept per selection set: enough to report the count, small enough that merging stays O(1). */
const TOKEN_KEY_CEILING = 100;
/** Longest operation name repeated in a message; a longer one is client text that need not come back. */
const MAX_NAME_IN_MESSAGE = 64;

interface Measure {
  /** Deepest field nesting below this selection set (0 when it selects nothing countable). */
  depth: number;
  /** Aliases below this selection set, each fragment counted as many times as it is spread. */
  aliases: number;
  /**
   * Response keys of the token mutations selected at this level (through fragments). Execution merges selections
   * that share a response key, so the number of keys is the number of Tencent calls.
   */
  tokenKeys: ReadonlySet<string>;
  /** Response keys of the `__schema` fields selected at this level (through fragments): executed once each. */
  schemaKeys: ReadonlySet<string>;
  /** Aliases inside the result reads selected at this level (through fragments). */
  aliasesInResults: number;
  /** Response keys of the `_entities` fields selected at this level (through fragments). */
  entityKeys: ReadonlySet<string>;
}

const EMPTY: Measure = { depth: 0, aliases: 0, tokenKeys: new Set(), schemaKeys: new Set(), aliasesInResults: 0, entityKeys: new Set() };

function saturatingAdd(a: number, b: number): number {
  return Math.min(a + b, COUNT_CEILING);
}

function createMeasurer(fragments: ReadonlyMap<string, FragmentDefinitionNode>) {
  const measured = new Map<string, Measure>();
  const inProgress = new Set<string>();

  function measureFragment(name: string): Measure {
    const known = measured.get(name);
    if (known) return known;
    const fragment = fragments.get(name);
    // A cycle or an unknown fragment is reported by graphql-js's own rules; count nothing for it here.
    if (!fragment || inProgress.has(name)) return EMPTY;
    inProgress.add(name);
    const result = measureSelectionSet(fragment.selectionSet);
    inProgress.delete(name);
    measured.set(name, result);
    return result;
  }

  function measureSelectionSet(selectionSet: SelectionSetNode): Measure {
    let depth = 0;
    let aliases = 0;
    let aliasesInResults = 0;
    const tokenKeys = new Set<string>();
    const schemaKeys = new Set<string>();
    const entityKeys = new Set<string>();
    const addTokenKey = (key: string) => {
      if (tokenKeys.size < TOKEN_KEY_CEILING) tokenKeys.add(key);
    };
    const addSchemaKey = (key: string) => {
      if (schemaKeys.size < TOKEN_KEY_CEILING) schemaKeys.add(key);
    };
    const addEntityKey = (key: string) => {
      if (entityKeys.size < TOKEN_KEY_CEILING) entityKeys.add(key);
    };
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value === ENTITIES_FIELD) addEntityKey((selection.alias ?? selection.name).value);
        else if (selection.alias) aliases = saturatingAdd(aliases, 1);
        const inner = selection.selectionSet ? measureSelectionSet(selection.selectionSet) : EMPTY;
        aliases = saturatingAdd(aliases, inner.aliases);
        if (INTROSPECTION_ROOT_FIELDS.has(selection.name.value)) {
          depth = Math.max(depth, 1);
          if (selection.name.value === '__schema') addSchemaKey((selection.alias ?? selection.name).value);
          continue;
        }
        depth = Math.max(depth, 1 + inner.depth);
        if (TOKEN_MUTATIONS.has(selection.name.value)) addTokenKey((selection.alias ?? selection.name).value);
        if (RESULT_READS.has(selection.name.value)) aliasesInResults = saturatingAdd(aliasesInResults, inner.aliases);
      } else {
        const inner = selection.kind === Kind.INLINE_FRAGMENT ? measureSelectionSet(selection.selectionSet) : measureFragment(selection.name.value);
        depth = Math.max(depth, inner.depth);
        aliases = saturatingAdd(aliases, inner.aliases);
        inner.tokenKeys.forEach(addTokenKey);
        inner.schemaKeys.forEach(addSchemaKey);
        inner.entityKeys.forEach(addEntityKey);
        aliasesInResults = saturatingAdd(aliasesInResults, inner.aliasesInResults);
      }
    }
    return { depth, aliases, tokenKeys, schemaKeys, aliasesInResults, entityKeys };
  }

  return measureSelectionSet;
}

function limitError(message: string, node: ASTNode): GraphQLError {
  return refusal('OPERATION_LIMIT_EXCEEDED', message, { nodes: node });
}

function describe(operation: OperationDefinitionNode): string {
  const name = operation.name?.value;
  return name && name.length <= MAX_NAME_IN_MESSAGE ? `Operation "${name}"` : 'The operation';
}

function counted(count: number, ceiling: number): string {
  return count >= ceiling ? `at least ${ceiling}` : String(count);
}

/**
 * Rejects operations deeper than MAX_DEPTH, with more than MAX_ALIASES aliases, an alias inside a result read
 * (RESULT_READS), more than MAX_SCHEMA_INTROSPECTIONS `__schema` fields, more than MAX_ENTITY_FETCHES `_entities`
 * fields, or that would execute more than
 * MAX_TOKEN_MUTATIONS token mutations, counting through fragments and inline fragments.
 */
export const OperationLimitsRule: ValidationRule = (context: ValidationContext) => {
  const fragments = new Map(
    context
      .getDocument()
      .definitions.filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION)
      .map((fragment) => [fragment.name.value, fragment]),
  );
  // Shared by every operation of the document: each fragment is measured once per document.
  const measure = createMeasurer(fragments);
  return {
    OperationDefinition(operation) {
      const name = describe(operation);
      const { depth, aliases, tokenKeys, schemaKeys, aliasesInResults, entityKeys } = measure(operation.selectionSet);
      if (depth > MAX_DEPTH) context.reportError(limitError(`${name} is nested ${depth} levels deep; the limit is ${MAX_DEPTH}.`, operation));
      if (aliases > MAX_ALIASES) {
        context.reportError(limitError(`${name} uses ${counted(aliases, COUNT_CEILING)} aliases; the limit is ${MAX_ALIASES}.`, operation));
      }
      if (aliasesInResults > 0) {
        context.reportError(
          limitError(
            `${name} uses aliases inside a verification result; none are accepted there, as each would copy what it selects (media of megabytes) into the answer once more.`,
            operation,
          ),
        );
      }
      if (schemaKeys.size > MAX_SCHEMA_INTROSPECTIONS) {
        context.reportError(
          limitError(
            `${name} selects __schema ${counted(schemaKeys.size, TOKEN_KEY_CEILING)} times; the limit is ${MAX_SCHEMA_INTROSPECTIONS} (each is a copy of the whole schema).`,
            operation,
          ),
        );
      }
      if (entityKeys.size > MAX_ENTITY_FETCHES) {
        context.reportError(
          limitError(`${name} selects _entities ${counted(entityKeys.size, TOKEN_KEY_CEILING)} times; the limit is ${MAX_ENTITY_FETCHES}.`, operation),
        );
      }
      if (operation.operation === 'mutation' && tokenKeys.size > MAX_TOKEN_MUTATIONS) {
        context.reportError(
          limitError(
            `${name} asks for ${counted(tokenKeys.size, TOKEN_KEY_CEILING)} tokens; the limit is ${MAX_TOKEN_MUTATIONS} per operation (each one is a Tencent call).`,
            operation,
          ),
        );
      }
    },
  };
};

/** The schema has no subscription type: say so at validation, with a documented code, whatever the transport. */
export const NoSubscriptionsRule: ValidationRule = (context: ValidationContext) => ({
  OperationDefinition(operation) {
    if (operation.operation !== 'subscription') return;
    context.reportError(
      refusal('GRAPHQL_VALIDATION_FAILED', 'This API has no subscriptions: send a query or a mutation.', { nodes: operation }),
    );
  },
});
