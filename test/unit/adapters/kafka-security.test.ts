// From the `kafka` configuration section to client options: SASL only when a mechanism is set,
// TLS only when enabled, PEM material as text or read from a file, and an unreadable file named
// by its key.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kafkaConnectionOf } from '#adapters/kafka.ts';
import { kafkaJsSecurity } from '#adapters/kafka/security.ts';
import { redisSecurityOf } from '#adapters/redis.ts';
import { tlsOptionsOf } from '#adapters/tls-material.ts';
import { loadConfig } from '#core/config/index.ts';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';
const dir = mkdtempSync(join(tmpdir(), 'miroir-pem-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('kafkaConnectionOf', () => {
  it('given the defaults, when mapped, then only the brokers are set', () => {
    expect(kafkaConnectionOf(loadConfig().kafka)).toEqual({ brokers: ['127.0.0.1:9092'] });
  });

  it('given SASL and TLS keys, when mapped, then both are passed on', () => {
    const config = loadConfig({
      env: {
        MIROIR_KAFKA__SASL__MECHANISM: 'scram-sha-256',
        MIROIR_KAFKA__SASL__USERNAME: 'u',
        MIROIR_KAFKA__SASL__PASSWORD: 'p',
        MIROIR_KAFKA__TLS__ENABLED: 'true',
      },
    });
    expect(kafkaConnectionOf(config.kafka)).toEqual({
      brokers: ['127.0.0.1:9092'],
      sasl: { mechanism: 'scram-sha-256', username: 'u', password: 'p' },
      tls: { enabled: true, rejectUnauthorized: true },
    });
  });
});

describe('kafkaJsSecurity and TLS material', () => {
  it('given PEM text and a PEM file, when built, then both become the PEM text', () => {
    const caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, PEM);
    const security = kafkaJsSecurity({
      tls: { ca: caFile, cert: PEM, key: PEM, rejectUnauthorized: false },
      sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' },
    });
    expect(security).toEqual({
      ssl: { ca: PEM, cert: PEM, key: PEM, rejectUnauthorized: false },
      sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' },
    });
    expect(kafkaJsSecurity({})).toEqual({});
    expect(kafkaJsSecurity({ tls: true })).toEqual({ ssl: true });
  });

  it('given a missing file, when built, then miroir_invalid_config names the key and the path', () => {
    expect(() => tlsOptionsOf({ ca: join(dir, 'nope.pem') }, 'redis.tls')).toThrow(
      expect.objectContaining({
        code: 'miroir_invalid_config',
        message: expect.stringMatching(/^Cannot read redis\.tls\.ca from ".*nope\.pem": ENOENT/),
      }),
    );
  });

  it('given the redis section, when mapped, then credentials pass only when set', () => {
    const open = loadConfig({ env: { MIROIR_REDIS__URL: 'redis://r:6379' } }).redis;
    expect(redisSecurityOf(open)).toEqual({ tls: { rejectUnauthorized: true } });
    const secured = loadConfig({
      env: {
        MIROIR_REDIS__URL: 'rediss://r:6380',
        MIROIR_REDIS__USERNAME: 'miroir',
        MIROIR_REDIS__PASSWORD: 'pw',
      },
    }).redis;
    expect(redisSecurityOf(secured)).toEqual({
      username: 'miroir',
      password: 'pw',
      tls: { rejectUnauthorized: true },
    });
  });
});
