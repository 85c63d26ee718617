import type { IncomingMessage, ServerResponse } from 'node:http';
import { LbError, type LbErrorCode } from '../core/errors.js';

const STATUS: Partial<Record<LbErrorCode, number>> = {
  LB_ERR_INVALID_ARGUMENT: 400,
  LB_ERR_BAD_REQUEST: 400,
  LB_ERR_UNAUTHORIZED: 401,
  LB_ERR_NOT_FOUND: 404,
  LB_ERR_METHOD_NOT_ALLOWED: 405,
  LB_ERR_CONFLICT: 409,
  LB_ERR_RELOAD_UNAVAILABLE: 409,
  LB_ERR_UPGRADE_UNAVAILABLE: 409,
  LB_ERR_PAYLOAD_TOO_LARGE: 413,
  LB_ERR_CONFIG_INVALID: 422,
};

/** The HTTP status an error code maps to (500 for anything unexpected). */
export const httpStatusOf = (code: LbErrorCode): number => STATUS[code] ?? 500;

/** The JSON error body of the API: `{error:{code,message,...details}}`. */
export const errorBody = (
  code: LbErrorCode,
  message: string,
  details?: Record<string, unknown>,
): { error: Record<string, unknown> } => ({
  error: { code, message, ...details },
});

/**
 * Reads the whole request body, at most `limit` bytes (0: a route that takes no body, named by
 * `route`): a bigger one is refused as soon as its Content-Length (or the bytes that arrived) say
 * so, without buffering it and without reading the rest (the answer then closes the connection).
 */
export function readBody(req: IncomingMessage, limit: number, route = 'this route'): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tooLarge = (): LbError =>
      new LbError(
        'LB_ERR_PAYLOAD_TOO_LARGE',
        limit === 0 ? `${route} takes no body` : `request body is larger than the limit of ${limit} bytes`,
      );
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) return reject(tooLarge());
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer): void => {
      size += c.length;
      if (size > limit) {
        req.off('data', onData);
        req.pause();
        return reject(tooLarge());
      }
      chunks.push(c);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', (e) => reject(new LbError('LB_ERR_BAD_REQUEST', `request body: ${e.message}`)));
  });
}

/** Empty body → undefined; otherwise JSON, or a 400 that says where it is malformed. */
export function parseJson(body: Buffer): unknown {
  const text = body.toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new LbError('LB_ERR_BAD_REQUEST', `malformed JSON body: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * An answer given before the request body was read to its end closes the connection: otherwise
 * Node reads (and throws away) the rest to reach the next request, however big it is.
 */
const closeIfUnread = (res: ServerResponse): Record<string, string> =>
  res.req.complete ? {} : { connection: 'close' };

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = `${JSON.stringify(body, null, 2)}\n`;
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...closeIfUnread(res),
    ...headers,
  });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, text: string, contentType: string): void {
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...closeIfUnread(res),
  });
  res.end(text);
}
