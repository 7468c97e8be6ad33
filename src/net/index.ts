/** The net layer: one computation across processes and machines, joined by TCP links. */
export { execute, type ExecuteOptions } from './cluster.js';
export { NetError, NetErrorCode } from './errors.js';
export { parseHosts, readHostfile, type Host } from './hosts.js';
export type { TlsOptions } from './tls.js';
