// Shared value types of the data plane and the control plane.
export type TargetId = string; // stable key: "host:port" ("[v6]:port")
export type HealthState = 'unknown' | 'healthy' | 'unhealthy';
export type AdminState = 'ready' | 'drain' | 'maint'; // kept apart from health, as HAProxy does
export const ADMIN_STATES: readonly AdminState[] = ['ready', 'drain', 'maint'];

export interface TargetSpec {
  readonly id: TargetId;
  readonly host: string;
  readonly port: number;
  readonly weight: number;
  readonly backup: boolean;
  /** Connections this target takes at once; beyond, they wait in the pool queue (HAProxy's maxconn). */
  readonly maxConnections?: number | undefined;
}
