/** The Pothos builder and its plugins. Defines no GraphQL types of its own. */
import SchemaBuilder from '@pothos/core';
import DirectivePlugin from '@pothos/plugin-directives';
import FederationPlugin from '@pothos/plugin-federation';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import type { GraphQLError } from 'graphql';
import type { Caller, GatewayContext } from '../context.js';
import { refusal } from '../errors.js';

/**
 * Scopes a caller needs: one per token mutation, so a frontend can be allowed selfie checks but not eKYC, and
 * `faceid:result` for the verification results, which carry personal data and are for backends only.
 */
export const SCOPES = { selfie: 'faceid:selfie', ekyc: 'faceid:ekyc', result: 'faceid:result' } as const;

/** The refusal of a caller without a scope: no credentials, 401 (log in); credentials without it, 403. */
export function scopeRefusal(caller: Caller): GraphQLError {
  return caller.authenticated
    ? refusal('FORBIDDEN', 'The caller is not allowed to use this operation: its credentials lack the required scope.')
    : refusal('UNAUTHENTICATED', 'Authentication required: send a Bearer token or an API key.', {
        headers: { 'WWW-Authenticate': 'Bearer' },
      });
}

export const builder = new SchemaBuilder<{
  Context: GatewayContext;
  Scalars: { DateTime: { Input: Date; Output: Date } };
  DefaultFieldNullability: false;
  AuthScopes: { selfie: boolean; ekyc: boolean; result: boolean };
}>({
  // scope-auth first, so that no other plugin's wrapper runs before the check; federation last.
  plugins: [ScopeAuthPlugin, DirectivePlugin, FederationPlugin],
  defaultFieldNullability: false,
  // Lets tools that print the schema (codegen) keep the federation @link directive.
  directives: { useGraphQLToolsUnorderedDirectives: true },
  scopeAuth: {
    authScopes: ({ caller }) => ({
      selfie: caller.scopes.has(SCOPES.selfie),
      ekyc: caller.scopes.has(SCOPES.ekyc),
      result: caller.scopes.has(SCOPES.result),
    }),
    // No credentials at all: 401, log in. Credentials without the scope: 403, asking again will not help.
    unauthorizedError: (_parent, { caller }) => scopeRefusal(caller),
  },
});
