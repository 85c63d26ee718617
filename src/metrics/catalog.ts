import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

// Every metric the load balancer exports, declared once: name, type, help and labels.
// Conventions: one prefix (`lb_`), base units in the name (seconds, bytes), `_total` on counters
// and only on counters (promtool rejects anything else). Client/target direction: "received"
// is what clients sent us (forwarded to the target), "sent" is what we sent to clients.

/** Connect latencies on a LAN are sub-millisecond; a slow or remote target takes seconds. */
export const CONNECT_BUCKETS_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createCatalog(registry: Registry) {
  const registers = [registry];
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    new Counter<L>({ name, help, labelNames, registers });
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    new Gauge<L>({ name, help, labelNames, registers });
  const histogram = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    new Histogram<L>({ name, help, labelNames, registers, buckets: CONNECT_BUCKETS_SECONDS });
  return {
    // listeners
    listenerConnections: counter('lb_listener_connections_total', 'Client connections accepted.', ['listener']),
    listenerActive: gauge('lb_listener_active_connections', 'Client connections open now.', ['listener']),
    // stopping accept at maxConnections or the descriptor limit (clients wait in the backlog)
    listenerPaused: gauge(
      'lb_listener_paused',
      'Whether the listener has stopped accepting for now (1) or accepts (0).',
      ['listener'],
    ),
    listenerPauses: counter(
      'lb_listener_paused_total',
      'Times the listener stopped accepting, by reason (max_connections, descriptors, emfile).',
      ['listener', 'reason'],
    ),
    listenerPausedSeconds: counter(
      'lb_listener_paused_seconds_total',
      'Time the listener spent not accepting (counted when it accepts again).',
      ['listener'],
    ),
    // relay: 1 for the mode new connections are relayed in (summed over cluster workers: workers per mode)
    relayMode: gauge('lb_relay_mode', 'Who relays the bytes of new connections: native (the addon) or js.', ['mode']),
    listenerNativeAccept: gauge(
      'lb_listener_native_accept',
      "1 when the native relay's thread accepts the listener's connections (native accept), 0 when Node does.",
      ['listener'],
    ),
    listenerReceived: counter('lb_listener_received_bytes_total', 'Bytes received from clients.', ['listener']),
    listenerSent: counter('lb_listener_sent_bytes_total', 'Bytes sent to clients.', ['listener']),
    listenerRejected: counter(
      'lb_listener_rejected_connections_total',
      'Client connections closed before reaching a pool, by close reason.',
      ['listener', 'reason'],
    ),
    listenerClosed: counter(
      'lb_listener_closed_connections_total',
      'Proxied client connections closed, by close reason.',
      ['listener', 'pool', 'reason'],
    ),
    listenerDeadlineClosed: counter(
      'lb_listener_deadline_closed_connections_total',
      'Connections still open at the drain deadline of a shutdown or upgrade, closed spread over a short window: idle (no byte for 1 s) first, then active.',
      ['listener', 'state'],
    ),
    // UDP listeners (protocol: udp); their bytes count in the listener, pool and target byte counters
    listenerUdpSessions: counter('lb_listener_udp_sessions_total', 'UDP sessions started (client address:port).', [
      'listener',
    ]),
    listenerActiveUdpSessions: gauge('lb_listener_active_udp_sessions', 'UDP sessions open now.', ['listener']),
    listenerReceivedDatagrams: counter('lb_listener_received_datagrams_total', 'Datagrams received from clients.', [
      'listener',
    ]),
    listenerSentDatagrams: counter('lb_listener_sent_datagrams_total', 'Datagrams sent to clients.', ['listener']),
    listenerDroppedDatagrams: counter(
      'lb_listener_dropped_datagrams_total',
      'Datagrams not forwarded, by reason (denied, max_sessions, buffer_full, port_unreachable…).',
      ['listener', 'reason'],
    ),
    // pools
    poolConnections: counter('lb_pool_connections_total', 'Connections established to the targets of a pool.', [
      'pool',
    ]),
    poolActive: gauge('lb_pool_active_connections', 'Connections open now to the targets of a pool.', ['pool']),
    poolReceived: counter('lb_pool_received_bytes_total', 'Bytes received from clients served by a pool.', ['pool']),
    poolSent: counter('lb_pool_sent_bytes_total', 'Bytes sent to clients served by a pool.', ['pool']),
    poolConnectErrors: counter('lb_pool_connect_errors_total', 'Failed connection attempts to targets, by reason.', [
      'pool',
      'reason',
    ]),
    poolPanic: counter(
      'lb_pool_panic_total',
      'Connections sent to a DOWN target as the last resort, because no target of the pool was eligible.',
      ['pool'],
    ),
    poolConnectDuration: histogram('lb_pool_connect_duration_seconds', 'Time to connect to a target.', ['pool']),
    poolEligibleTargets: gauge(
      'lb_pool_eligible_targets',
      'Targets that may receive new connections (ready and not down).',
      ['pool'],
    ),
    poolQueued: gauge(
      'lb_pool_queued_connections',
      'Connections waiting for a free target slot (every target they may use is at its maxConnections).',
      ['pool'],
    ),
    // targets
    targetConnections: counter('lb_target_connections_total', 'Connections established to a target.', [
      'pool',
      'target',
    ]),
    targetActive: gauge('lb_target_active_connections', 'Connections open now to a target.', ['pool', 'target']),
    targetReceived: counter('lb_target_received_bytes_total', 'Bytes received from clients and sent to a target.', [
      'pool',
      'target',
    ]),
    targetSent: counter('lb_target_sent_bytes_total', 'Bytes received from a target and sent to clients.', [
      'pool',
      'target',
    ]),
    targetConnectErrors: counter('lb_target_connect_errors_total', 'Failed connection attempts, by reason.', [
      'pool',
      'target',
      'reason',
    ]),
    targetConnectDuration: histogram('lb_target_connect_duration_seconds', 'Time to connect to a target.', [
      'pool',
      'target',
    ]),
    targetUdpSessions: counter('lb_target_udp_sessions_total', 'UDP sessions given to a target.', ['pool', 'target']),
    targetReceivedDatagrams: counter(
      'lb_target_received_datagrams_total',
      'Datagrams received from clients and sent to a target.',
      ['pool', 'target'],
    ),
    targetSentDatagrams: counter(
      'lb_target_sent_datagrams_total',
      'Datagrams received from a target and sent to clients.',
      ['pool', 'target'],
    ),
    targetDroppedDatagrams: counter(
      'lb_target_dropped_datagrams_total',
      "Datagrams of a target's sessions not forwarded, by reason.",
      ['pool', 'target', 'reason'],
    ),
    targetHealth: gauge(
      'lb_target_health',
      'Health state of a target: 1 for its current state (healthy, unhealthy or unknown), 0 for the others.',
      ['pool', 'target', 'state'],
    ),
    targetAdminState: gauge(
      'lb_target_admin_state',
      'Admin state of a target: 1 for its current state (ready, drain or maint), 0 for the others.',
      ['pool', 'target', 'state'],
    ),
    targetWeight: gauge('lb_target_weight', 'Balancing weight of a target.', ['pool', 'target']),
    healthChecks: counter('lb_health_checks_total', 'Active health checks, by result (success or failure).', [
      'pool',
      'target',
      'result',
    ]),
    healthTransitions: counter(
      'lb_health_transitions_total',
      'Health state changes of a target, by the state entered.',
      ['pool', 'target', 'state'],
    ),
    // control plane
    reloads: counter('lb_config_reloads_total', 'Config reloads, by source and result (success or failure).', [
      'source',
      'result',
    ]),
    lastReloadSuccessful: gauge(
      'lb_config_last_reload_successful',
      'Whether the last config reload succeeded (1) or was refused (0).',
      [],
    ),
    lastReloadTimestamp: gauge(
      'lb_config_last_reload_timestamp_seconds',
      'When the last config reload was attempted (Unix time).',
      [],
    ),
  };
}

export type Catalog = ReturnType<typeof createCatalog>;
