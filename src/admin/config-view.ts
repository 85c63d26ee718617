import { formatHostPort, type HostPort } from '../core/address.js';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isHostPort = (v: unknown): v is HostPort & Record<string, unknown> =>
  isRecord(v) && typeof v.host === 'string' && typeof v.port === 'number';

function target(t: unknown): unknown {
  if (!isHostPort(t)) return t;
  const { host, port, ...rest } = t;
  return { address: formatHostPort({ host, port }), ...rest };
}

/**
 * The running config written back in config-file form, so that it can be saved and loaded again:
 * parsed `bind` addresses become `host:port` strings and targets `{address, weight, backup}`,
 * durations stay milliseconds (a bare number is milliseconds in the file), and the admin token
 * is replaced by `"<redacted>"`.
 */
export function configAsInput(value: unknown, key?: string): unknown {
  if (Array.isArray(value)) return value.map((v) => (key === 'targets' ? target(v) : configAsInput(v)));
  if (key === 'bind' && isHostPort(value)) return formatHostPort(value);
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = configAsInput(v, k);
  if (key === 'admin' && typeof out.token === 'string') out.token = '<redacted>';
  return out;
}
