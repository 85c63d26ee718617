import type { UdpStats } from './udp-types.js';

/** What metrics and the admin API read of the UDP plane of a process. */
export interface UdpView {
  /** Totals by listener name, kept across reloads. */
  stats(): ReadonlyMap<string, UdpStats>;
  listeners(): ReadonlyMap<
    string,
    {
      readonly name: string;
      readonly port: number;
      readonly activeSessions: number;
      readonly bufferedBytes: number;
      readonly settings: { readonly host: string; readonly maxBufferedBytes: number };
    }
  >;
}
