import type { ServerResponse } from 'node:http';

/** One server-sent event, framed (`data` is one line of JSON, so it needs no splitting). */
export const sseFrame = (event: string, data: unknown, id?: number): string =>
  `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/** The Last-Event-ID a reconnecting EventSource sends: a revision, or undefined. */
export function lastEventId(header: string | string[] | undefined): number | undefined {
  const v = Array.isArray(header) ? header[0] : header;
  if (v === undefined || !/^\d{1,15}$/.test(v.trim())) return undefined;
  return Number(v.trim());
}

/** Starts an event stream: no caching, no proxy buffering, and how soon to reconnect. */
export function openStream(res: ServerResponse, retryMs: number): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    'x-accel-buffering': 'no',
    connection: 'keep-alive',
  });
  res.write(`retry: ${retryMs}\n\n`);
}
