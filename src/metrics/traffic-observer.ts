import type { HealthSink } from '../health/health-checker.js';
import type { ListenerObserver } from '../listener/listener.js';
import type { Catalog } from './catalog.js';
import type { ByteCounters } from './live-bytes.js';

/**
 * Counts data-path events into the catalog. The data path only knows the ListenerObserver
 * interface; prom-client stays on this side of it.
 */
export function trafficObserver(c: Catalog, bytes: ByteCounters): ListenerObserver {
  return {
    onAccepted: (listener) => c.listenerConnections.inc({ listener }),
    onRejected: (listener, reason) => c.listenerRejected.inc({ listener, reason }),
    onPaused: (listener, reason) => {
      c.listenerPauses.inc({ listener, reason });
      c.listenerPaused.set({ listener }, 1);
    },
    onResumed: (listener, pausedMs) => {
      c.listenerPaused.set({ listener }, 0);
      c.listenerPausedSeconds.inc({ listener }, pausedMs / 1000);
    },
    onConnected: (pool, target, connectMs) => {
      c.poolConnections.inc({ pool });
      c.targetConnections.inc({ pool, target });
      c.poolConnectDuration.observe({ pool }, connectMs / 1000);
      c.targetConnectDuration.observe({ pool, target }, connectMs / 1000);
    },
    onConnectError: (pool, target, reason) => {
      c.poolConnectErrors.inc({ pool, reason });
      c.targetConnectErrors.inc({ pool, target, reason });
    },
    onPanic: (pool) => c.poolPanic.inc({ pool }),
    onDeadlineClose: (listener, idle) => c.listenerDeadlineClosed.inc({ listener, state: idle ? 'idle' : 'active' }),
    onSessionEnd: (e) => {
      c.listenerClosed.inc({ listener: e.listener, pool: e.pool, reason: e.reason });
      bytes.listener.addClosed({ listener: e.listener }, e.bytesFromClient, e.bytesToClient);
      bytes.pool.addClosed({ pool: e.pool }, e.bytesFromClient, e.bytesToClient);
      if (e.target !== undefined)
        bytes.target.addClosed({ pool: e.pool, target: e.target }, e.bytesFromClient, e.bytesToClient);
    },
  };
}

/** Counts health-check results and transitions of one pool's targets. */
export const healthObserver =
  (c: Catalog) =>
  (pool: string): HealthSink => ({
    onCheck: (target, result) => c.healthChecks.inc({ pool, target, result: result.ok ? 'success' : 'failure' }),
    onTransition: (t) => c.healthTransitions.inc({ pool, target: t.id, state: t.to }),
  });
