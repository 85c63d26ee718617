import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { LbErrorCode } from '../core/errors.js';
import type { AdminContext } from './context.js';

export interface AdminRequest {
  readonly method: string;
  readonly path: string;
  /** Path parameters, URL-decoded (`:pool`, `:target`). */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** The client's address, for the cause of a change (`admin PATCH by 127.0.0.1`). */
  readonly remote?: string;
  readonly headers: IncomingHttpHeaders;
  /** The JSON body (undefined when empty); read on demand, bounded in size. */
  json(): Promise<unknown>;
}

export type Reply =
  | { readonly status?: number; readonly json: unknown; readonly headers?: Record<string, string> }
  | { readonly status?: number; readonly text: string; readonly contentType: string }
  /** The route writes the response itself (static files, the event stream). */
  | { readonly raw: (res: ServerResponse, req: IncomingMessage) => void | Promise<void> };

export interface Route {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** `/api/pools/:pool/targets/:target`: literal segments and `:name` parameters. */
  readonly path: string;
  /** Takes a JSON body (up to the admin body limit); any other route refuses a body with 413. */
  readonly body?: true;
  handle(req: AdminRequest, ctx: AdminContext): Promise<Reply> | Reply;
  /** Left out of GET /api (the dashboard's own files). */
  readonly unlisted?: boolean;
}

export type Match =
  | { readonly route: Route; readonly params: Record<string, string> }
  | { readonly error: LbErrorCode; readonly message: string; readonly allow?: string[] };

const segments = (path: string): string[] => path.split('/').filter((s) => s !== '');

function matchPath(pattern: string, actual: readonly string[]): Record<string, string> | undefined | 'bad' {
  const want = segments(pattern);
  if (want.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, w] of want.entries()) {
    const a = actual[i]!;
    if (w.startsWith(':')) {
      try {
        params[w.slice(1)] = decodeURIComponent(a);
      } catch {
        return 'bad';
      }
    } else if (w !== a) return undefined;
  }
  return params;
}

/** Finds the route for a method and path; a known path with another method is a 405. */
export function matchRoute(routes: readonly Route[], method: string, path: string): Match {
  const actual = segments(path);
  const allow: string[] = [];
  for (const route of routes) {
    const params = matchPath(route.path, actual);
    if (params === 'bad') return { error: 'LB_ERR_BAD_REQUEST', message: `malformed percent-encoding in ${path}` };
    if (!params) continue;
    if (route.method === method || (method === 'HEAD' && route.method === 'GET')) return { route, params };
    allow.push(route.method);
  }
  if (allow.length > 0)
    return { error: 'LB_ERR_METHOD_NOT_ALLOWED', message: `${method} is not allowed on ${path}`, allow };
  return { error: 'LB_ERR_NOT_FOUND', message: `no such endpoint: ${method} ${path} (see GET /api)` };
}
