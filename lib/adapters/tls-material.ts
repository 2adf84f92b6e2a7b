// TLS options of a backing-service client (Kafka, Redis) from configuration: each of `ca`, `cert`
// and `key` is PEM text or the path of a file holding it, read when the client is built so a
// missing file stops the start with the key it came from.
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { miroirError } from '#core/errors.ts';

export interface TlsMaterial {
  /** CA certificate(s) the server is checked against; the system CAs when absent. */
  ca?: string | undefined;
  /** Client certificate (mutual TLS), with its `key`. */
  cert?: string | undefined;
  key?: string | undefined;
  /** Default true: a server whose certificate does not verify is refused. */
  rejectUnauthorized?: boolean | undefined;
}

const PEM = /^\s*-----BEGIN /;

/** The PEM text of a value that is PEM already, or of the file it names. */
export function pemOf(value: string, key: string): string {
  if (PEM.test(value)) return value;
  try {
    return readFileSync(value, 'utf8');
  } catch (err) {
    throw miroirError(
      'miroir_invalid_config',
      `Cannot read ${key} from ${JSON.stringify(value)}: ${(err as Error).message}. Give PEM text or the path of a PEM file.`,
      { retriable: false, cause: err },
    );
  }
}

/** Node TLS connection options; `prefix` names the configuration section in errors (`kafka.tls`). */
export function tlsOptionsOf(material: TlsMaterial, prefix: string): ConnectionOptions {
  const options: ConnectionOptions = { rejectUnauthorized: material.rejectUnauthorized ?? true };
  if (material.ca !== undefined) options.ca = pemOf(material.ca, `${prefix}.ca`);
  if (material.cert !== undefined) options.cert = pemOf(material.cert, `${prefix}.cert`);
  if (material.key !== undefined) options.key = pemOf(material.key, `${prefix}.key`);
  return options;
}
