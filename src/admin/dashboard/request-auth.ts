import type { IncomingMessage } from 'node:http';
import { isAuthorized } from '../auth.js';
import type { Session, SessionStore } from './sessions.js';

export const SESSION_COOKIE = 'lb_session';
export const CSRF_HEADER = 'x-csrf-token';

/** Paths anyone may read: the page itself (it holds no data) and the sign-in route. */
export const isPublicPath = (method: string, path: string): boolean =>
  path === '/api/session' ||
  ((method === 'GET' || method === 'HEAD') && (path === '/' || path === '/index.html' || path.startsWith('/ui/')));

export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export type Access =
  | { readonly ok: true; readonly session?: Session }
  | { readonly ok: false; readonly message: string; readonly bearerChallenge: boolean };

const safe = (method: string): boolean => method === 'GET' || method === 'HEAD';

/**
 * Who may do what: with a token configured, every route but the public ones needs the token
 * (`Authorization: Bearer`) or a dashboard session cookie. A cookie is sent by the browser on its
 * own, so a change made with one also needs the session's CSRF token in a header, which another
 * site cannot read nor send (SameSite=Strict already keeps the cookie off cross-site requests;
 * this is the second lock), and an Origin, when the browser sends one, of this very host.
 */
export function checkAccess(
  req: Pick<IncomingMessage, 'headers'>,
  method: string,
  path: string,
  token: string | undefined,
  sessions: SessionStore,
): Access {
  if (token === undefined || isPublicPath(method, path)) return { ok: true };
  const auth = req.headers.authorization;
  if (auth !== undefined)
    return isAuthorized(auth, token)
      ? { ok: true }
      : { ok: false, message: 'wrong token: send "Authorization: Bearer TOKEN"', bearerChallenge: true };
  const session = sessions.get(cookieValue(req.headers.cookie, SESSION_COOKIE));
  if (!session)
    return { ok: false, message: 'missing token: send "Authorization: Bearer TOKEN"', bearerChallenge: true };
  if (safe(method)) return { ok: true, session };
  const origin = req.headers.origin;
  if (
    origin !== undefined &&
    origin !== `http://${req.headers.host ?? ''}` &&
    origin !== `https://${req.headers.host ?? ''}`
  )
    return { ok: false, message: `cross-origin change refused (Origin ${origin})`, bearerChallenge: false };
  const csrf = req.headers[CSRF_HEADER];
  if (!sessions.checkCsrf(session, typeof csrf === 'string' ? csrf : undefined))
    return { ok: false, message: `missing or wrong ${CSRF_HEADER} header (dashboard session)`, bearerChallenge: false };
  return { ok: true, session };
}
