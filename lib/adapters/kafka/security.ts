// Connection security of Miroir's Kafka clients: the `kafka.tls` and `kafka.sasl` configuration
// turned into client options (kafkaConnectionOf, for composition roots) and into kafkajs' own
// `ssl` / `sasl` options (kafkaJsSecurity, for createKafkaClient).
import type { KafkaConfig as KafkaJsConfig, SASLOptions } from 'kafkajs';
import type { Config } from '#core/config/index.ts';
import { tlsOptionsOf } from '../tls-material.ts';
import type { KafkaClientConfig } from './types.ts';

/** Brokers, TLS and SASL of the `kafka` configuration section, to spread into createKafkaClient's options. */
export function kafkaConnectionOf(
  kafka: Config['kafka'],
): Pick<KafkaClientConfig, 'brokers' | 'tls' | 'sasl'> {
  const { tls, sasl } = kafka;
  return {
    brokers: kafka.brokers,
    ...(tls.enabled ? { tls } : {}),
    ...(sasl.mechanism !== 'none' && sasl.username !== undefined && sasl.password !== undefined
      ? { sasl: { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } }
      : {}),
  };
}

/** kafkajs' `ssl` and `sasl` options; PEM files are read here, once per client. */
export function kafkaJsSecurity(
  config: Pick<KafkaClientConfig, 'tls' | 'sasl'>,
): Pick<KafkaJsConfig, 'ssl' | 'sasl'> {
  const out: Pick<KafkaJsConfig, 'ssl' | 'sasl'> = {};
  if (config.tls === true) out.ssl = true;
  else if (typeof config.tls === 'object') out.ssl = tlsOptionsOf(config.tls, 'kafka.tls');
  // Same three fields as kafkajs' PLAIN and SCRAM options; a union of mechanisms does not narrow.
  if (config.sasl !== undefined) out.sasl = { ...config.sasl } as SASLOptions;
  return out;
}
