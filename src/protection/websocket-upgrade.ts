/**
 * The refusal of a WebSocket upgrade. The API has no subscriptions, so it speaks GraphQL over HTTP only; without
 * this, node hands an upgrade request on as a plain GET, and a graphql-ws client's developer, looking at the
 * handshake's answer, read "Must provide query string.", which says nothing about WebSockets.
 */
import type { Plugin } from 'graphql-yoga';
import { refusal } from '../errors.js';

/** Whether `request` asks to switch its connection to the WebSocket protocol. */
export function isWebSocketUpgrade(request: Request): boolean {
  return (request.headers.get('upgrade') ?? '').toLowerCase().split(',').some((protocol) => protocol.trim() === 'websocket');
}

/** Refuses a WebSocket upgrade (400 BAD_REQUEST) with a message that says the API answers over HTTP only. */
export function useWebSocketUpgradeRefusal(): Plugin {
  return {
    onRequestParse({ request }) {
      if (!isWebSocketUpgrade(request)) return;
      throw refusal(
        'BAD_REQUEST',
        'This API has no subscriptions and does not accept WebSocket connections (graphql-ws, subscriptions-transport-ws): send queries and mutations as HTTP POST (or queries as GET).',
        { headers: { Connection: 'close' } },
      );
    },
  };
}
