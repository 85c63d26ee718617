import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { LbError } from '../../core/errors.js';
import { isAuthorized } from '../auth.js';
import { parseBody } from '../body.js';
import type { AdminContext } from '../context.js';
import { EventHub } from '../events/event-hub.js';
import type { Reply, Route } from '../router.js';
import { checkAccess, cookieValue, SESSION_COOKIE, type Access } from './request-auth.js';
import { SessionStore } from './sessions.js';
import { StaticFiles } from './static-files.js';

const signInSchema = z.object({ token: z.string().min(1, 'token: give the admin token') }).strict();

// HttpOnly: page scripts cannot read it (an injected script cannot carry it away). SameSite=Strict:
// never sent on a request another site starts. Path=/: the API and the event stream.
// No Max-Age: it ends with the browser; the server ends it sooner when unused (sessions.ts).
const cookie = (value: string, maxAgeS?: number): string =>
  `${SESSION_COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/${maxAgeS === undefined ? '' : `; Max-Age=${maxAgeS}`}`;

/**
 * The dashboard's share of the admin server: its static files (GET /, /ui/*), the sign-in
 * session (/api/session), the event stream (GET /api/events), and the access rule that lets a
 * browser use a session cookie where scripts send the token.
 */
export class Dashboard {
  readonly sessions: SessionStore;
  readonly files = new StaticFiles();
  readonly hub: EventHub;

  constructor(
    ctx: AdminContext,
    private readonly token: string | undefined,
  ) {
    this.sessions = new SessionStore(ctx.clock);
    // The stream is fed by the target store: its revisions are the events' ids.
    this.hub = new EventHub(ctx, ctx.app.store);
  }

  async start(): Promise<void> {
    await this.files.load();
  }

  async stop(): Promise<void> {
    await this.hub.stop();
  }

  access(req: IncomingMessage, method: string, path: string): Access {
    return checkAccess(req, method, path, this.token, this.sessions);
  }

  get routes(): Route[] {
    const files = (path: string): Route => ({
      method: 'GET',
      path,
      unlisted: path !== '/',
      handle: (req) => ({
        raw: (res, inc) => {
          if (!this.files.send(req.path, inc.headers['if-none-match'], res, req.method === 'HEAD'))
            throw new LbError('LB_ERR_NOT_FOUND', `no such file: ${req.path}`);
        },
      }),
    });
    return [
      files('/'),
      files('/index.html'),
      files('/ui/:file'),
      files('/ui/vendor/:file'),
      { method: 'GET', path: '/api/session', handle: (req) => this.#sessionState(req.headers) },
      { method: 'POST', path: '/api/session', body: true, handle: async (req) => this.#signIn(await req.json()) },
      {
        method: 'DELETE',
        path: '/api/session',
        handle: (req) => {
          this.sessions.end(cookieValue(req.headers.cookie, SESSION_COOKIE));
          return { json: { signedIn: false }, headers: { 'set-cookie': cookie('', 0) } };
        },
      },
      {
        method: 'GET',
        path: '/api/events',
        handle: (req) => ({
          raw: async (res) => {
            // The header when the browser reconnects by itself; `?lastEventId=` when the page opens a
            // new stream after one was refused (an EventSource cannot set the header).
            const since = req.headers['last-event-id'] ?? req.query.get('lastEventId') ?? undefined;
            if (!(await this.hub.attach(res, since)))
              throw new LbError('LB_ERR_CONFLICT', 'too many event streams open');
          },
        }),
      },
    ];
  }

  #sessionState(headers: IncomingMessage['headers']): Reply {
    if (this.token === undefined) return { json: { tokenRequired: false, signedIn: true, csrf: null } };
    const s = this.sessions.get(cookieValue(headers.cookie, SESSION_COOKIE));
    const bearer = headers.authorization !== undefined && isAuthorized(headers.authorization, this.token);
    return { json: { tokenRequired: true, signedIn: s !== undefined || bearer, csrf: s?.csrf ?? null } };
  }

  #signIn(body: unknown): Reply {
    if (this.token === undefined) return { json: { tokenRequired: false, signedIn: true, csrf: null } };
    const { token } = parseBody(signInSchema, body, 'sign-in');
    if (!isAuthorized(`Bearer ${token}`, this.token)) throw new LbError('LB_ERR_UNAUTHORIZED', 'wrong token');
    const s = this.sessions.create();
    return {
      json: { tokenRequired: true, signedIn: true, csrf: s.csrf },
      headers: { 'set-cookie': cookie(s.id) },
    };
  }
}
