/**
 * The one-mutation schema of the bare graphql-yoga references (bench/bare-yoga.ts, bench/bare-yoga-got.ts): the
 * gateway's selfie mutation with no validation, enums or descriptions, so that the references pay for graphql-yoga
 * and nothing else.
 */
export const BARE_TYPE_DEFS = /* GraphQL */ `
  input GetSelfieTokenInput { checkMode: String, extra: String }
  type SelfieToken { sdkToken: String!, requestId: String!, expiresAt: String! }
  type Query { ok: Boolean }
  type Mutation { getSelfieToken(input: GetSelfieTokenInput!): SelfieToken! }
`;
