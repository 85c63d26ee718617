// How a proxied connection ended: one label for the access log and the metrics (Envoy's
// response flags, HAProxy's termination states). Network failures end with one of these,
// never with an exception.
export const CLOSE_REASONS = [
  'client_close', // client ended first, both sides finished cleanly
  'backend_close', // backend ended first, both sides finished cleanly
  'client_reset',
  'backend_reset',
  'client_error',
  'backend_error',
  'idle_timeout',
  'connect_failed',
  'connect_timeout',
  'no_healthy_target',
  'panic', // no target was eligible, and the DOWN ones tried as a last resort failed too
  'no_route',
  'max_connections',
  'denied',
  'rate_limited',
  'queue_timeout', // waited in the pool queue for a target slot longer than queueTimeout
  'queue_full', // every target was at maxConnections and the pool queue was full
  'proxy_protocol_invalid',
  'proxy_protocol_timeout',
  'proxy_protocol_untrusted', // a PROXY listener refusing a source not in its trusted list
  'tls_error',
  'sni_unmatched',
  'shutdown',
  'killed',
  'relay_failed', // the native relay's thread failed (docs/operations.md); new connections relay in JavaScript
] as const;

export type CloseReason = (typeof CLOSE_REASONS)[number];

/** Why a connection is refused before it reaches a pool, with a detail for the log. */
export interface Refusal {
  readonly reason: CloseReason;
  readonly detail: string;
}
