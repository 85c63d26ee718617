import { InvalidArgumentError } from '../core/errors.js';
import type { TargetSpec } from '../core/types.js';
import { checkWeight, discoveredSpec, specFromAddress } from './target-spec.js';
import { parseHostPort } from '../core/address.js';

// The formats of a target under an etcd prefix (pure):
//   key .../10.0.0.1:8080 with an empty value
//   value "10.0.0.1:8080"
//   value {"address": "10.0.0.1:8080", "weight": 2, "backup": false, "maxConnections": 100}
//   value {"Addr": "10.0.0.1:8080", ...}   (etcd's own endpoints naming; other fields ignored)

export function parseEtcdTarget(key: string, value: string): TargetSpec {
  const what = `etcd key ${key}`;
  const v = value.trim();
  if (v === '') {
    const last = key.slice(key.lastIndexOf('/') + 1);
    return specFromAddress(decodeURIComponent(last), what);
  }
  if (!v.startsWith('{')) return specFromAddress(v, what);
  let j: unknown;
  try {
    j = JSON.parse(v);
  } catch {
    throw new InvalidArgumentError(`${what}: the value is neither HOST:PORT nor valid JSON`);
  }
  if (typeof j !== 'object' || j === null || Array.isArray(j))
    throw new InvalidArgumentError(`${what}: the JSON value must be an object with "address"`);
  const o = j as Record<string, unknown>;
  const address = o.address ?? o.Addr;
  if (typeof address !== 'string') throw new InvalidArgumentError(`${what}: "address" (or "Addr") must be HOST:PORT`);
  if (o.backup !== undefined && typeof o.backup !== 'boolean')
    throw new InvalidArgumentError(`${what}: "backup" must be true or false`);
  const mc = o.maxConnections;
  if (mc !== undefined && (typeof mc !== 'number' || !Number.isInteger(mc) || mc < 1))
    throw new InvalidArgumentError(`${what}: "maxConnections" must be a positive integer`);
  return discoveredSpec({
    ...parseHostPort(address, what),
    weight: o.weight === undefined ? 1 : checkWeight(o.weight, what),
    backup: o.backup === true,
    maxConnections: mc,
  });
}
