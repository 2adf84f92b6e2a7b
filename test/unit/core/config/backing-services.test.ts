// The keys that secure Kafka and Redis connections: read from the environment like every key,
// checked together (SASL needs both credentials, a client certificate needs its key, TLS
// material needs a rediss:// URL), every problem reported at once.
import { describe, expect, it } from 'vitest';
import { InvalidConfigError, loadConfig } from '#core/config/index.ts';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig({ env });
  } catch (err) {
    if (err instanceof InvalidConfigError) return err.message.split('\n').slice(1);
    throw err;
  }
  return [];
}

describe('Kafka and Redis security keys', () => {
  it('given SASL and TLS variables, when loaded, then the kafka section carries them', () => {
    const config = loadConfig({
      env: {
        MIROIR_KAFKA__SASL__MECHANISM: 'scram-sha-512',
        MIROIR_KAFKA__SASL__USERNAME: 'miroir',
        MIROIR_KAFKA__SASL__PASSWORD: 'from-a-secret',
        MIROIR_KAFKA__TLS__ENABLED: 'true',
        MIROIR_KAFKA__TLS__CA: '/etc/miroir/kafka-ca.pem',
      },
    });
    expect(config.kafka.sasl).toEqual({
      mechanism: 'scram-sha-512',
      username: 'miroir',
      password: 'from-a-secret',
    });
    expect(config.kafka.tls).toEqual({
      enabled: true,
      ca: '/etc/miroir/kafka-ca.pem',
      rejectUnauthorized: true,
    });
  });

  it('given a Redis password and TLS material for a rediss URL, when loaded, then they are kept', () => {
    const config = loadConfig({
      env: {
        MIROIR_REDIS__URL: 'rediss://redis.internal:6380',
        MIROIR_REDIS__PASSWORD: 'pw',
        MIROIR_REDIS__TLS__CA: '-----BEGIN CERTIFICATE-----\nMII\n-----END CERTIFICATE-----',
      },
    });
    expect(config.redis).toMatchObject({ url: 'rediss://redis.internal:6380', password: 'pw' });
    expect(config.redis.tls.ca).toContain('BEGIN CERTIFICATE');
  });

  it('given half-configured SASL, TLS and Redis, when loaded, then every problem is reported at once', () => {
    expect(
      problems({
        MIROIR_KAFKA__SASL__MECHANISM: 'scram-sha-256',
        MIROIR_KAFKA__SASL__USERNAME: 'miroir',
        MIROIR_KAFKA__TLS__CERT: '/etc/miroir/client.pem',
        MIROIR_REDIS__URL: 'redis://127.0.0.1:6379',
        MIROIR_REDIS__TLS__CA: '/etc/miroir/redis-ca.pem',
      }),
    ).toEqual([
      '- kafka.tls.key: a client certificate needs both cert and key',
      '- kafka.tls.enabled: TLS material is set but kafka.tls.enabled is false',
      '- kafka.sasl.password: SASL scram-sha-256 needs a password',
      '- redis.tls: TLS material is set but redis.url is not a rediss:// URL',
    ]);
  });

  it('given an unknown SASL mechanism, when loaded, then the variable is named', () => {
    expect(problems({ MIROIR_KAFKA__SASL__MECHANISM: 'gssapi' }).join('\n')).toMatch(
      /kafka\.sasl\.mechanism.*MIROIR_KAFKA__SASL__MECHANISM/,
    );
  });

  it('given a negative search limit, when loaded, then it is refused; 0 turns the limit off', () => {
    expect(problems({ MIROIR_QUERY__MAX_CONCURRENT_SEARCHES_PER_CLIENT: '-1' })).toHaveLength(1);
    expect(
      loadConfig({ env: { MIROIR_QUERY__MAX_CONCURRENT_SEARCHES_PER_CLIENT: '0' } }).query
        .maxConcurrentSearchesPerClient,
    ).toBe(0);
  });
});
