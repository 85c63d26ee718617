import { readFileSync } from 'node:fs';
import { circuitBreaker, ConsecutiveBreaker, handleWhen } from 'cockatiel';
import { Etcd3, isRecoverableError, type IOptions } from 'etcd3';
import { TlsConfigError } from '../core/errors.js';

// The one etcd connection of a process, shared by discovery sources and the fleet.

export interface EtcdConnectionSettings {
  readonly endpoints: readonly string[];
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  readonly tls?:
    | { readonly ca?: string | undefined; readonly cert?: string | undefined; readonly key?: string | undefined }
    | undefined;
  /** Deadline of one request (not of watches). */
  readonly requestTimeoutMs?: number;
}

const readPem = (path: string, what: string): Buffer => {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new TlsConfigError(`etcd tls ${what}: cannot read ${path}: ${(e as Error).message}`, e);
  }
};

export function createEtcdClient(s: EtcdConnectionSettings): Etcd3 {
  const timeout = s.requestTimeoutMs ?? 3000;
  const options: IOptions = {
    hosts: [...s.endpoints],
    dialTimeout: timeout,
    // unary calls get a deadline, so a dead cluster fails them fast; a watch stream must not
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + timeout }),
    faultHandling: {
      // etcd3's default breaker keeps a failed member out for 5 s; 1 s lets a restarted one back sooner
      host: () =>
        circuitBreaker(handleWhen(isRecoverableError), { halfOpenAfter: 1000, breaker: new ConsecutiveBreaker(3) }),
    },
  };
  if (s.username !== undefined) options.auth = { username: s.username, password: s.password ?? '' };
  if (s.tls) {
    options.credentials = {
      // without a ca: the system's roots (grpc takes null for that; etcd3's type says Buffer)
      rootCertificate: (s.tls.ca !== undefined ? readPem(s.tls.ca, 'ca') : null) as Buffer,
      ...(s.tls.key !== undefined ? { privateKey: readPem(s.tls.key, 'key') } : {}),
      ...(s.tls.cert !== undefined ? { certChain: readPem(s.tls.cert, 'cert') } : {}),
    };
  }
  return new Etcd3(options);
}
