import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { formatHostPort } from '../core/address.js';
import { isLbError, ListenError, type LbErrorCode } from '../core/errors.js';
import type { AdminContext } from './context.js';
import { Dashboard } from './dashboard/dashboard.js';
import { errorBody, httpStatusOf, parseJson, readBody, sendJson, sendText } from './http-io.js';
import { matchRoute, type AdminRequest, type Reply, type Route } from './router.js';
import { configRoutes } from './routes/config.js';
import { connectionRoutes } from './routes/connections.js';
import { indexRoute } from './routes/index.js';
import { metricsRoutes } from './routes/metrics.js';
import { nodeRoutes } from './routes/nodes.js';
import { poolRoutes } from './routes/pools.js';
import { reloadRoutes } from './routes/reload.js';
import { upgradeRoutes } from './routes/upgrade.js';
import { adminSocketSpec } from '../supervisor/socket-spec.js';
import { statusRoutes } from './routes/status.js';
import { targetRoutes } from './routes/targets.js';

export interface AdminSettings {
  readonly host: string;
  readonly port: number;
  /** Required on every route (metrics included) when set. Fixed for the life of the server. */
  readonly token: string | undefined;
  /** Largest request body accepted (default 64 KiB). */
  readonly bodyLimit?: number;
}

/**
 * The admin API: HTTP + JSON on node:http. Every answer is JSON (metrics aside), errors included
 * (`{error:{code,message}}`); no request, however malformed, can throw out of here.
 */
export class AdminServer {
  readonly #routes: Route[];
  readonly #dashboard: Dashboard;
  #server: Server | undefined;

  constructor(
    readonly settings: AdminSettings,
    private readonly ctx: AdminContext,
  ) {
    this.#dashboard = new Dashboard(ctx, settings.token);
    this.#routes = [
      ...this.#dashboard.routes,
      ...statusRoutes,
      ...configRoutes,
      ...reloadRoutes,
      ...upgradeRoutes,
      ...poolRoutes,
      ...targetRoutes,
      ...connectionRoutes,
      ...metricsRoutes,
      ...nodeRoutes,
    ];
    this.#routes.unshift(indexRoute(() => this.#routes));
  }

  /** The bound port (differs from the configured one when that is 0). */
  get port(): number {
    const a = this.#server?.address();
    return a && typeof a === 'object' ? a.port : this.settings.port;
  }

  get url(): string {
    return `http://${formatHostPort({ host: this.settings.host, port: this.port })}`;
  }

  async start(): Promise<void> {
    await this.#dashboard.start();
    const server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000 }, (req, res) => {
      this.#handle(req, res).catch((e: unknown) => this.#fail(res, e));
    });
    server.on('clientError', (_e, sock) => {
      if (sock.writable) sock.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else sock.destroy();
    });
    const { host, port } = this.settings;
    const inherited = await this.ctx.sockets?.acquire(adminSocketSpec(this.settings));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) =>
        reject(
          new ListenError(`admin API: cannot listen on ${formatHostPort(this.settings)}: ${e.code ?? e.message}`, e),
        ),
      );
      if (inherited) server.listen(inherited.handle, () => resolve());
      else server.listen({ host, port }, () => resolve());
    });
    server.on('error', (e) => this.ctx.log.error({ err: e }, 'admin API server error'));
    this.#server = server;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    await this.#dashboard.stop();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://admin.invalid');
    } catch {
      return this.#error(res, 'LB_ERR_BAD_REQUEST', 'malformed request URL');
    }
    const access = this.#dashboard.access(req, method, url.pathname);
    if (!access.ok)
      return this.#error(
        res,
        'LB_ERR_UNAUTHORIZED',
        access.message,
        access.bearerChallenge ? { 'www-authenticate': 'Bearer realm="loadbalancer"' } : {},
      );
    const match = matchRoute(this.#routes, method, url.pathname);
    if ('error' in match)
      return this.#error(res, match.error, match.message, match.allow ? { allow: match.allow.join(', ') } : {});
    // Every route has a body limit: the configured one where a body is taken, 0 elsewhere.
    const limit = match.route.body ? (this.settings.bodyLimit ?? 65_536) : 0;
    const route = `${method} ${match.route.path}`;
    let body: Promise<unknown> | undefined;
    const readJson = (): Promise<unknown> => (body ??= readBody(req, limit, route).then(parseJson));
    if (!match.route.body) await readJson();
    const areq: AdminRequest = {
      method,
      path: url.pathname,
      params: match.params,
      query: url.searchParams,
      remote: req.socket.remoteAddress ?? 'unknown',
      headers: req.headers,
      json: readJson,
    };
    await this.ctx.refresh?.();
    const reply: Reply = await match.route.handle(areq, this.ctx);
    if ('raw' in reply) return reply.raw(res, req);
    const status = reply.status ?? 200;
    // A change is answered once it is in effect everywhere (in every cluster worker).
    if (method !== 'GET' && method !== 'HEAD' && status < 300) await this.ctx.changed?.();
    if ('text' in reply) sendText(res, status, reply.text, reply.contentType);
    else sendJson(res, status, reply.json, reply.headers);
    if (method !== 'GET' && method !== 'HEAD')
      this.ctx.log.info({ method, path: url.pathname, status }, `admin API: ${method} ${url.pathname} → ${status}`);
  }

  #error(res: ServerResponse, code: LbErrorCode, message: string, headers: Record<string, string> = {}): void {
    const status = httpStatusOf(code);
    sendJson(res, status, errorBody(code, message), { ...headers, ...(status === 413 ? { connection: 'close' } : {}) });
  }

  #fail(res: ServerResponse, e: unknown): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (isLbError(e)) return this.#error(res, e.code, e.message);
    this.ctx.log.error({ err: e }, 'admin API: unexpected error');
    this.#error(res, 'LB_ERR_INTERNAL', `internal error: ${e instanceof Error ? e.message : String(e)}`);
  }
}
