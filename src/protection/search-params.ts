/**
 * The JSON inside URL-encoded parameters. A GET request (and a form POST) carries `variables` and `extensions` as
 * JSON text in its parameters; yoga parses them without catching the parser's SyntaxError, so invalid JSON there
 * was an unexpected error: `INTERNAL_SERVER_ERROR`, and an error log line whose V8 message quoted the client's text
 * ("Unexpected token 'h', "hunter2" is not valid JSON"). Here it is the client's error, named by parameter.
 */
import type { Plugin } from 'graphql-yoga';
import { refusal } from '../errors.js';

/** The parameters whose values yoga parses as JSON. */
const JSON_PARAMETERS = ['variables', 'extensions'] as const;

/** The first parameter of `params` that holds text that is not JSON. */
function invalidJsonParameter(params: URLSearchParams): (typeof JSON_PARAMETERS)[number] | undefined {
  return JSON_PARAMETERS.find((name) => {
    const text = params.get(name);
    if (!text) return false;
    try {
      JSON.parse(text);
      return false;
    } catch {
      return true;
    }
  });
}

/** Refuses GET and form requests whose `variables` or `extensions` are not JSON with 400 BAD_REQUEST, naming which. */
export function useSearchParamsJson(): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser }) {
      if (!requestParser) return;
      setRequestParser(async (parsed) => {
        try {
          return await requestParser(parsed);
        } catch (error) {
          if (!(error instanceof SyntaxError)) throw error;
          const params = request.method === 'GET' || request.method === 'HEAD' ? new URL(request.url).searchParams : new URLSearchParams(await parsed.text());
          const parameter = invalidJsonParameter(params);
          throw refusal('BAD_REQUEST', parameter ? `The ${parameter} parameter is not valid JSON.` : 'The request parameters are not valid JSON.');
        }
      });
    },
  };
}
