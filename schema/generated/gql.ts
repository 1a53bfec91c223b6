/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "mutation ApplyEkycToken($input: ApplyEkycTokenInput!) {\n  applyEkycToken(input: $input) {\n    sdkToken\n    requestId\n    expiresAt\n  }\n}": typeof types.ApplyEkycTokenDocument,
    "query GatewayInfo {\n  gateway {\n    upstream\n    region\n    limits {\n      maxImageBase64Length\n      maxExtraBytes\n      maxActions\n      minRetryLimit\n      maxRetryLimit\n      requestsPerSecondPerMutation\n      selfieTokenLifetimeSeconds\n      ekycTokenLifetimeSeconds\n    }\n  }\n}": typeof types.GatewayInfoDocument,
    "mutation GetSelfieToken($input: GetSelfieTokenInput!) {\n  getSelfieToken(input: $input) {\n    sdkToken\n    requestId\n    expiresAt\n  }\n}": typeof types.GetSelfieTokenDocument,
};
const documents: Documents = {
    "mutation ApplyEkycToken($input: ApplyEkycTokenInput!) {\n  applyEkycToken(input: $input) {\n    sdkToken\n    requestId\n    expiresAt\n  }\n}": types.ApplyEkycTokenDocument,
    "query GatewayInfo {\n  gateway {\n    upstream\n    region\n    limits {\n      maxImageBase64Length\n      maxExtraBytes\n      maxActions\n      minRetryLimit\n      maxRetryLimit\n      requestsPerSecondPerMutation\n      selfieTokenLifetimeSeconds\n      ekycTokenLifetimeSeconds\n    }\n  }\n}": types.GatewayInfoDocument,
    "mutation GetSelfieToken($input: GetSelfieTokenInput!) {\n  getSelfieToken(input: $input) {\n    sdkToken\n    requestId\n    expiresAt\n  }\n}": types.GetSelfieTokenDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation ApplyEkycToken($input: ApplyEkycTokenInput!) {\n  applyEkycToken(input: $input) {\n    sdkToken\n    requestId\n    expiresAt\n  }\n}"): (typeof documents)["mutation ApplyEkycToken($input: ApplyEkycTokenInput!) {\n  applyEkycToken(input: $input) {\n    sdkToken\n    requestId\n    expiresAt\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query GatewayInfo {\n  gateway {\n    upstream\n    region\n    limits {\n      maxImageBase64Length\n      maxExtraBytes\n      maxActions\n      minRetryLimit\n      maxRetryLimit\n      requestsPerSecondPerMutation\n      selfieTokenLifetimeSeconds\n      ekycTokenLifetimeSeconds\n    }\n  }\n}"): (typeof documents)["query GatewayInfo {\n  gateway {\n    upstream\n    region\n    limits {\n      maxImageBase64Length\n      maxExtraBytes\n      maxActions\n      minRetryLimit\n      maxRetryLimit\n      requestsPerSecondPerMutation\n      selfieTokenLifetimeSeconds\n      ekycTokenLifetimeSeconds\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation GetSelfieToken($input: GetSelfieTokenInput!) {\n  getSelfieToken(input: $input) {\n    sdkToken\n    requestId\n    expiresAt\n  }\n}"): (typeof documents)["mutation GetSelfieToken($input: GetSelfieTokenInput!) {\n  getSelfieToken(input: $input) {\n    sdkToken\n    requestId\n    expiresAt\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;