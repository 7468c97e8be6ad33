/** TLS settings of the links between processes (a type only: no socket code comes with it). */

/**
 * TLS for the links between processes: each process presents `cert` (PEM) with its `key`, and accepts
 * only peers whose certificate `ca` signed (both directions: mutual TLS). A certificate must name its
 * process's host as the hostfile writes it (an IP address as an IP subject alternative name).
 *
 * @example
 * const tls: TlsOptions = { cert: readFileSync('node.pem'), key: readFileSync('node.key'), ca: readFileSync('ca.pem') };
 * await execute('job.js', { processes: 2, process: 0, hosts, secret, tls });
 */
export interface TlsOptions {
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
  readonly ca: string | Buffer;
}
