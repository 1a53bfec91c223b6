/** The Pothos builder and its plugins. Defines no GraphQL types of its own. */
import SchemaBuilder from '@pothos/core';
import DirectivePlugin from '@pothos/plugin-directives';
import FederationPlugin from '@pothos/plugin-federation';
import ScopeAuthPlugin, { AuthScopeFailureType, type AuthFailure } from '@pothos/plugin-scope-auth';
import type { GraphQLError } from 'graphql';
import type { Caller, GatewayContext } from '../context.js';
import { refusal } from '../errors.js';

/**
 * Scopes a caller needs: one per token mutation, so a frontend can be allowed selfie checks but not eKYC, and
 * `faceid:result` for the verification results, which carry personal data and are for backends only.
 */
export const SCOPES = { selfie: 'faceid:selfie', ekyc: 'faceid:ekyc', result: 'faceid:result' } as const;

/**
 * The refusal of a caller without a scope: no credentials, 401 (log in); credentials without it, 403, naming the
 * scope (any one of `scopes` would do) so that whoever sets up the credentials knows what to grant.
 */
export function scopeRefusal(caller: Caller, scopes: readonly string[] = []): GraphQLError {
  const lacking = scopes.length > 0 ? `the ${scopes.join(' or ')} scope` : 'the required scope';
  return caller.authenticated
    ? refusal('FORBIDDEN', `The caller is not allowed to use this operation: its credentials lack ${lacking}.`)
    : refusal('UNAUTHENTICATED', 'Authentication required: send a Bearer token or an API key.', {
        headers: { 'WWW-Authenticate': 'Bearer' },
      });
}

/** The scopes (as credentials carry them) whose absence failed a check; any one of them would have passed it. */
function missingScopes(failure: AuthFailure): string[] {
  if (failure.kind === AuthScopeFailureType.AuthScope) {
    return Object.hasOwn(SCOPES, failure.scope) ? [SCOPES[failure.scope as keyof typeof SCOPES]] : [];
  }
  return 'failures' in failure ? [...new Set(failure.failures.flatMap(missingScopes))] : [];
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
    unauthorizedError: (_parent, { caller }, _info, { failure }) => scopeRefusal(caller, missingScopes(failure)),
  },
});
