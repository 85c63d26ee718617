import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The page's own files, shipped in the package (`files` in package.json): no build step. */
export const DASHBOARD_DIR = fileURLToPath(new URL('../../../dashboard/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

// The page loads nothing from elsewhere, and nothing may frame it (clickjacking of the actions).
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

interface StaticFile {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
}

/**
 * uPlot is served from the copy npm installed with the package (a dependency), not vendored and not
 * from a CDN: one copy, updated by `npm update`, and the page works on a host without internet.
 */
function vendorFiles(): Record<string, string> {
  const require = createRequire(import.meta.url);
  return {
    '/ui/vendor/uplot.js': require.resolve('uplot/dist/uPlot.iife.min.js'),
    '/ui/vendor/uplot.css': require.resolve('uplot/dist/uPlot.min.css'),
  };
}

/** Every file the page needs, read once at start: a fixed set of URLs, so no path from a request touches the disk. */
export class StaticFiles {
  readonly #files = new Map<string, StaticFile>();

  async load(dir = DASHBOARD_DIR): Promise<void> {
    const paths: Record<string, string> = { ...vendorFiles() };
    for (const name of await readdir(dir)) if (TYPES[extname(name)]) paths[`/ui/${name}`] = join(dir, name);
    paths['/'] = join(dir, 'index.html');
    for (const [url, file] of Object.entries(paths)) {
      const body = await readFile(file);
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
      this.#files.set(url, { body, type: TYPES[extname(file)] ?? 'application/octet-stream', etag });
    }
    this.#files.set('/index.html', this.#files.get('/')!);
  }

  has(path: string): boolean {
    return this.#files.has(path);
  }

  /** Sends a file (or 304 when the browser has it); false when there is no such file. */
  send(path: string, ifNoneMatch: string | undefined, res: ServerResponse, head: boolean): boolean {
    const f = this.#files.get(path);
    if (!f) return false;
    const headers = { etag: f.etag, 'cache-control': 'no-cache', ...SECURITY_HEADERS };
    if (ifNoneMatch === f.etag) {
      res.writeHead(304, headers).end();
      return true;
    }
    res.writeHead(200, { ...headers, 'content-type': f.type, 'content-length': f.body.length });
    res.end(head ? undefined : f.body);
    return true;
  }
}
