// Starts a real single-node Apache Kafka broker (KRaft, broker+controller in one JVM) from the
// Maven Central jars fetched by scripts/pom.xml, for tests and `miroir dev`.
// Library: startKafka() / ensureKafkaJars(). CLI: `node --import tsx scripts/kafka.ts start|stop|fetch`.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';

const scriptsDir = dirname(fileURLToPath(import.meta.url));
const pomPath = join(scriptsDir, 'pom.xml');
const log4jConfigPath = join(scriptsDir, 'kafka-log4j2.properties');

export interface StartKafkaOptions {
  /** Broker data and logs. Kept on stop when given (a later start reuses it); else a temp dir, removed on stop. */
  dataDir?: string;
  /** Progress lines of this script (not the broker log, which goes to `<dataDir>/server.log`). */
  log?: (line: string) => void;
  /** Client port; a free one when absent. */
  port?: number;
  /** Give up waiting for the broker after this long (default 90 s; the first start may also fetch jars). */
  readyTimeoutMs?: number;
  /**
   * Secure the client listener with SASL SCRAM-SHA-512 (SASL_PLAINTEXT) and create this user when
   * the storage is formatted (`kafka-storage format --add-scram`); the broker uses it too.
   */
  scram?: KafkaUser;
  /**
   * Open a second client listener over TLS (SSL, or SASL_SSL with `scram`), reported as
   * `tlsBrokers`: the PEM files of the broker's certificate and private key (PKCS#8, unencrypted).
   */
  tls?: { certFile: string; keyFile: string };
}

export interface KafkaUser {
  username: string;
  /** Letters and digits only: the value is written into server.properties and a format argument. */
  password: string;
}

export interface KafkaHandle {
  /** `host:port` list for KAFKA_BROKERS / kafkajs `brokers`. */
  brokers: string;
  /** `host:port` of the TLS listener, when `tls` was given. */
  tlsBrokers?: string;
  dataDir: string;
  pid: number;
  /** Milliseconds from JVM spawn to the broker answering describeCluster (jar fetch excluded). */
  startMs: number;
  stop(): Promise<void>;
}

/** The Kafka version pinned in scripts/pom.xml (the single place it is set). */
export function kafkaVersion(): string {
  const match = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(readFileSync(pomPath, 'utf8'));
  if (!match?.[1]) throw new Error(`scripts/pom.xml has no <kafka.version> property`);
  return match[1].trim();
}

/** Jar cache shared by every clone on this machine. */
export function cacheRoot(): string {
  return process.env.MIROIR_CACHE_DIR || join(homedir(), '.cache', 'miroir');
}

/**
 * Returns the folder holding the broker's jars, running Maven only when the cached folder is
 * missing or was filled from a different pom. Maven writes into a temp folder that is renamed
 * into place, so a crash never leaves a half-filled folder looking complete.
 */
export async function ensureKafkaJars(log: (line: string) => void = () => {}): Promise<string> {
  const versionDir = join(cacheRoot(), `kafka-${kafkaVersion()}`);
  const libs = join(versionDir, 'libs');
  const marker = join(versionDir, 'libs.complete');
  const pomHash = createHash('sha256').update(readFileSync(pomPath)).digest('hex');
  if (await isCompleteCache(libs, marker, pomHash)) return libs;

  await mkdir(versionDir, { recursive: true });
  const staging = join(versionDir, `libs.tmp-${process.pid}-${Date.now()}`);
  const started = Date.now();
  log(`fetching Kafka ${kafkaVersion()} jars with Maven into ${libs}`);
  try {
    await runToCompletion('mvn', [
      '-B',
      '-q',
      '-f',
      pomPath,
      'dependency:copy-dependencies',
      '-DincludeScope=runtime',
      `-DoutputDirectory=${staging}`,
    ]);
    const jars = (await readdir(staging)).filter((f) => f.endsWith('.jar')).sort();
    if (!jars.some((j) => j.startsWith('kafka_2.13-')))
      throw new Error(`Maven produced no kafka_2.13 jar in ${staging}`);
    // Another process may have completed the same fetch meanwhile: then keep its folder.
    if (await isCompleteCache(libs, marker, pomHash)) return libs;
    await rm(libs, { recursive: true, force: true });
    await rename(staging, libs);
    await rm(join(versionDir, 'cds'), { recursive: true, force: true });
    await mkdir(join(versionDir, 'cds'));
    await writeFile(marker, JSON.stringify({ pomSha256: pomHash, jars }, null, 2));
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  log(`fetched jars in ${Date.now() - started} ms`);
  return libs;
}

async function isCompleteCache(libs: string, marker: string, pomHash: string): Promise<boolean> {
  try {
    const recorded = JSON.parse(await readFile(marker, 'utf8')) as { pomSha256?: string; jars?: string[] };
    if (recorded.pomSha256 !== pomHash || !Array.isArray(recorded.jars) || recorded.jars.length === 0)
      return false;
    const present = new Set(await readdir(libs));
    return recorded.jars.every((j) => present.has(j));
  } catch {
    return false;
  }
}

function runToCompletion(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-8000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (err) =>
      reject(new Error(`cannot run '${cmd}' (${err.message}); install it (Debian: apt-get install maven)`)),
    );
    child.on('exit', (code, signal) =>
      code === 0
        ? resolvePromise()
        : reject(new Error(`${cmd} ${args.join(' ')} failed (${signal ?? code}):\n${output}`)),
    );
  });
}

/** A port the OS just handed out on 127.0.0.1 (tiny race until Kafka binds it; startKafka retries). */
export async function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolvePromise(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/**
 * Cluster id in Kafka's Uuid text form (16 random bytes, base64url, no padding): what
 * `kafka-storage.sh random-uuid` prints, without paying for a JVM start. Like Kafka's own
 * Uuid.randomUuid(), ids starting with '-' are redrawn (they read as a command-line flag).
 */
export function generateClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

const SCRAM = 'SCRAM-SHA-512';

/** Settings of the client listeners: PLAINTEXT, or SASL_PLAINTEXT with SCRAM; plus an optional TLS one. */
function listenerProperties(p: {
  brokerPort: number;
  controllerPort: number;
  tlsPort?: number | undefined;
  scram?: KafkaUser | undefined;
  keystoreFile?: string | undefined;
}): Record<string, string> {
  const main = p.scram ? 'SASL_PLAINTEXT' : 'PLAINTEXT';
  const client = [`${main}://127.0.0.1:${p.brokerPort}`];
  const protocols = [`CONTROLLER:PLAINTEXT`, `${main}:${main}`];
  if (p.tlsPort !== undefined) {
    client.push(`SECURE://127.0.0.1:${p.tlsPort}`);
    protocols.push(`SECURE:${p.scram ? 'SASL_SSL' : 'SSL'}`);
  }
  const out: Record<string, string> = {
    listeners: [...client, `CONTROLLER://127.0.0.1:${p.controllerPort}`].join(','),
    'advertised.listeners': client.join(','),
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': main,
    'listener.security.protocol.map': protocols.join(','),
  };
  if (p.scram) {
    // The broker's own login on its listeners (inter-broker traffic), with the user created at format time.
    const jaas = `org.apache.kafka.common.security.scram.ScramLoginModule required username="${p.scram.username}" password="${p.scram.password}";`;
    out['sasl.enabled.mechanisms'] = SCRAM;
    out['sasl.mechanism.inter.broker.protocol'] = SCRAM;
    out[`listener.name.sasl_plaintext.${SCRAM.toLowerCase()}.sasl.jaas.config`] = jaas;
    if (p.tlsPort !== undefined) out[`listener.name.secure.${SCRAM.toLowerCase()}.sasl.jaas.config`] = jaas;
  }
  if (p.keystoreFile !== undefined) {
    // A PEM keystore (private key, then certificate) needs no JKS conversion nor keytool.
    out['listener.name.secure.ssl.keystore.type'] = 'PEM';
    out['listener.name.secure.ssl.keystore.location'] = p.keystoreFile;
  }
  return out;
}

/** Single-node KRaft settings sized for tests; see docs/kafka.md for why each one is here. */
export function serverProperties(p: {
  brokerPort: number;
  controllerPort: number;
  logDir: string;
  tlsPort?: number | undefined;
  scram?: KafkaUser | undefined;
  keystoreFile?: string | undefined;
}): string {
  const settings: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    // Static voter list: no dynamic-quorum bookkeeping, and `format` needs no --standalone.
    'controller.quorum.voters': `1@127.0.0.1:${p.controllerPort}`,
    ...listenerProperties(p),
    'log.dirs': p.logDir,
    // Miroir creates every topic explicitly with its partition count; a typo must fail, not create.
    'auto.create.topics.enable': false,
    'num.partitions': 1,
    'default.replication.factor': 1,
    // Internal topics default to RF 3 / min ISR 2 / 50 partitions: unusable on one node and slow.
    'offsets.topic.replication.factor': 1,
    'offsets.topic.num.partitions': 1,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'transaction.state.log.num.partitions': 1,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    'share.coordinator.state.topic.num.partitions': 1,
    // Default 3 s delay before the first rebalance of every new group.
    'group.initial.rebalance.delay.ms': 0,
    // Few threads: the machines running tests have 2 cores.
    'num.network.threads': 2,
    'num.io.threads': 2,
    'background.threads': 2,
    'num.recovery.threads.per.data.dir': 1,
    'num.replica.fetchers': 1,
    'log.cleaner.threads': 1,
    // Retention is checked every 5 minutes by default; a short check lets finite document-topic
    // retention (kafka.docsRetentionMs) take effect promptly, which the compaction tests rely on.
    'log.retention.check.interval.ms': 1000,
  };
  return (
    Object.entries(settings)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n') + '\n'
  );
}

// Small heap and a collector suited to 2 cores; C1-only JIT trims start-up without hurting a test broker.
const jvmOptions = [
  '-Xms128m',
  '-Xmx512m',
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
  '-XX:+ExitOnOutOfMemoryError',
  '-Djava.awt.headless=true',
];

function javaArgs(libs: string, dataDir: string, cds: string[], mainClass: string, args: string[]): string[] {
  return [
    ...jvmOptions,
    ...cds,
    `-Dlog4j2.configurationFile=${log4jConfigPath}`,
    `-Dkafka.logs.dir=${dataDir}`,
    '-cp',
    `${libs}/*`,
    mainClass,
    ...args,
  ];
}

/**
 * Class-data sharing: loading ~45 jars' classes dominates a broker start (measured ~4 s without,
 * ~1.5 s with an archive on 2 cores). The first run of each main class records a dynamic archive
 * at JVM exit (its stop is ~3 s slower); later runs map it. The archive sits next to the jars
 * (same classpath); if the JDK changed, the JVM ignores it with a warning and we drop it.
 */
function classDataSharing(
  libs: string,
  name: string,
): { args: string[]; afterExit(exitCode: number | null, output: string): Promise<void> } {
  const archive = join(dirname(libs), 'cds', `${name}.jsa`);
  if (existsSync(archive)) {
    return {
      args: [`-XX:SharedArchiveFile=${archive}`],
      afterExit: async (_code, output) => {
        if (output.includes('Unable to use shared archive')) await rm(archive, { force: true });
      },
    };
  }
  const recording = `${archive}.tmp-${process.pid}-${Date.now()}`;
  return {
    args: [`-XX:ArchiveClassesAtExit=${recording}`],
    afterExit: async (code) => {
      if (code === 0 && existsSync(recording)) await rename(recording, archive).catch(() => {});
      await rm(recording, { force: true });
    },
  };
}

interface SavedPorts {
  brokerPort: number;
  controllerPort: number;
  tlsPort?: number;
}

/**
 * Starts the broker and resolves once it answers describeCluster. Rejects (with the tail of the
 * broker log) when Java or Maven is missing, the broker exits, or it is not ready in time.
 */
export async function startKafka(opts: StartKafkaOptions = {}): Promise<KafkaHandle> {
  const log = opts.log ?? (() => {});
  const libs = await ensureKafkaJars(log);
  await mkdir(join(dirname(libs), 'cds'), { recursive: true });
  const ownsDataDir = !opts.dataDir;
  const dataDir = opts.dataDir ? resolve(opts.dataDir) : await mkdtemp(join(tmpdir(), 'miroir-kafka-'));
  await mkdir(dataDir, { recursive: true });
  try {
    // A port race (another process grabbing a just-freed port) surfaces as a bind failure: retry with new ports.
    for (let attempt = 1; ; attempt++) {
      try {
        return await startOnce(libs, dataDir, ownsDataDir, opts, log);
      } catch (err) {
        // Only a throw-away data dir may move to new ports; a kept one is tied to its saved ports.
        if (attempt >= 3 || !(err instanceof BindError) || opts.port !== undefined || !ownsDataDir) throw err;
        log(`port clash (${err.message.split('\n')[0]}); retrying on new ports`);
        await rm(dataDir, { recursive: true, force: true });
        await mkdir(dataDir, { recursive: true });
      }
    }
  } catch (err) {
    if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
}

class BindError extends Error {}

async function startOnce(
  libs: string,
  dataDir: string,
  ownsDataDir: boolean,
  opts: StartKafkaOptions,
  log: (line: string) => void,
): Promise<KafkaHandle> {
  const portsFile = join(dataDir, 'miroir-ports.json');
  const metaDir = join(dataDir, 'log');
  // A reused data dir keeps its ports: the controller address is part of the quorum it was formatted with.
  let ports: SavedPorts | undefined;
  if (existsSync(join(metaDir, 'meta.properties')) && existsSync(portsFile)) {
    ports = JSON.parse(await readFile(portsFile, 'utf8')) as SavedPorts;
    if (opts.port !== undefined) ports.brokerPort = opts.port;
  }
  ports ??= { brokerPort: opts.port ?? (await freePort()), controllerPort: await freePort() };
  if (opts.tls !== undefined) ports.tlsPort ??= await freePort();
  if (opts.scram !== undefined) checkUser(opts.scram);
  let keystoreFile: string | undefined;
  if (opts.tls !== undefined) {
    keystoreFile = join(dataDir, 'keystore.pem');
    const [key, cert] = await Promise.all([
      readFile(opts.tls.keyFile, 'utf8'),
      readFile(opts.tls.certFile, 'utf8'),
    ]);
    await writeFile(keystoreFile, `${key.trim()}\n${cert.trim()}\n`, { mode: 0o600 });
  }
  const propsPath = join(dataDir, 'server.properties');
  await writeFile(
    propsPath,
    serverProperties({ ...ports, logDir: metaDir, scram: opts.scram, keystoreFile }),
  );
  await writeFile(portsFile, JSON.stringify(ports));

  const started = Date.now();
  if (!existsSync(join(metaDir, 'meta.properties'))) {
    const cds = classDataSharing(libs, 'storage-tool');
    await runJava(
      javaArgs(libs, dataDir, cds.args, 'kafka.tools.StorageTool', [
        'format',
        '-t',
        generateClusterId(),
        '-c',
        propsPath,
        // SCRAM users live in the metadata log: created here, before the first start.
        ...(opts.scram
          ? ['--add-scram', `${SCRAM}=[name=${opts.scram.username},password=${opts.scram.password}]`]
          : []),
      ]),
      cds.afterExit,
    );
    log(`formatted storage in ${Date.now() - started} ms`);
  }

  const serverLog = join(dataDir, 'server.log');
  const cds = classDataSharing(libs, 'broker');
  const child = spawn('java', javaArgs(libs, dataDir, cds.args, 'kafka.Kafka', [propsPath]), {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let consoleTail = '';
  const keep = (chunk: Buffer): void => {
    consoleTail = (consoleTail + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<string>((resolveExit) => {
    child.on('error', (err) => resolveExit(`cannot run java (${err.message}); Java 17+ must be on PATH`));
    child.on('exit', (code, signal) => {
      // 143 = terminated by SIGTERM after Kafka's shutdown hook ran: a clean stop.
      void cds
        .afterExit(code === 143 ? 0 : code, consoleTail)
        .finally(() => resolveExit(`broker exited (${signal ?? code})`));
    });
  });
  // If this Node process exits without calling stop(), leave no orphaned JVM holding ports, nor its temp dir.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
    if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);

  const brokers = `127.0.0.1:${ports.brokerPort}`;
  const failure = async (reason: string): Promise<Error> => {
    const logTail = await readFile(serverLog, 'utf8').then(
      (t) => t.split('\n').slice(-40).join('\n'),
      () => '',
    );
    const text = `${reason}\n--- ${serverLog} (tail) ---\n${logTail}\n--- console ---\n${consoleTail}`;
    const message = `Kafka did not start: ${text}`;
    return /Address already in use|BindException/.test(text) ? new BindError(message) : new Error(message);
  };

  const ready = await Promise.race([
    waitUntilAnswering(brokers, opts.readyTimeoutMs ?? 90_000, opts.scram).then((ok) =>
      ok ? null : `not ready after ${opts.readyTimeoutMs ?? 90_000} ms`,
    ),
    exited,
  ]);
  if (ready !== null) {
    child.kill('SIGKILL');
    process.removeListener('exit', killOnExit);
    throw await failure(ready);
  }
  const startMs = Date.now() - started;
  log(`Kafka ${kafkaVersion()} ready at ${brokers} in ${startMs} ms (pid ${child.pid}, logs ${serverLog})`);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        // A clean shutdown takes ~1-2 s; past 20 s something is stuck.
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(timer);
      }
      process.removeListener('exit', killOnExit);
      if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
    })();
    return stopping;
  };
  return {
    brokers,
    ...(ports.tlsPort !== undefined ? { tlsBrokers: `127.0.0.1:${ports.tlsPort}` } : {}),
    dataDir,
    pid: child.pid ?? -1,
    startMs,
    stop,
  };
}

function checkUser(user: KafkaUser): void {
  for (const [what, value] of [
    ['user name', user.username],
    ['password', user.password],
  ] as const)
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(value))
      throw new Error(`the SCRAM ${what} must be 1-64 letters, digits, "-" or "_"`);
}

function runJava(
  args: string[],
  afterExit: (code: number | null, output: string) => Promise<void>,
): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('java', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-8000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (err) =>
      reject(new Error(`cannot run java (${err.message}); Java 17+ must be on PATH`)),
    );
    child.on('exit', (code) => {
      void afterExit(code, output).finally(() =>
        code === 0
          ? resolvePromise()
          : reject(new Error(`kafka-storage format failed (${code}):\n${output}`)),
      );
    });
  });
}

/**
 * Polls describeCluster until the broker lists itself; false on timeout. Also checks a
 * KAFKA_BROKERS given from outside. `scram` logs in with SCRAM-SHA-512 (a SASL_PLAINTEXT listener).
 */
export async function waitUntilAnswering(
  brokers: string,
  timeoutMs: number,
  scram?: KafkaUser,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const kafka = new Kafka({
    clientId: 'miroir-kafka-ready',
    brokers: brokers.split(',').map((b) => b.trim()),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    retry: { retries: 0 },
    ...(scram ? { sasl: { mechanism: 'scram-sha-512' as const, ...scram } } : {}),
  });
  while (Date.now() < deadline) {
    const admin = kafka.admin({ retry: { retries: 0 } });
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length > 0) return true;
    } catch {
      // Not listening yet, or the controller has not elected itself: poll again.
    } finally {
      await admin.disconnect().catch(() => {});
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

// ---- CLI -------------------------------------------------------------------------------------

const cliStateFile = (): string => join(cacheRoot(), 'kafka-cli.json');

async function cli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const flag = (name: string): string | undefined => {
    const i = rest.indexOf(name);
    return i >= 0 ? rest[i + 1] : undefined;
  };
  const print = (line: string): void => console.log(`[kafka] ${line}`);
  if (command === 'fetch') {
    print(`jars: ${await ensureKafkaJars(print)}`);
    return 0;
  }
  if (command === 'start') {
    const portText = flag('--port') ?? process.env.KAFKA_PORT ?? '9092';
    const port = Number(portText);
    if (!Number.isInteger(port) || port <= 0 || port > 65535) {
      console.error(`invalid --port '${portText}': expected an integer in 1..65535`);
      return 2;
    }
    const dataDir = flag('--data-dir');
    const kafka = await startKafka({ port, log: print, ...(dataDir ? { dataDir } : {}) });
    await mkdir(cacheRoot(), { recursive: true });
    await writeFile(cliStateFile(), JSON.stringify({ pid: process.pid, brokers: kafka.brokers }));
    console.log(`KAFKA_BROKERS=${kafka.brokers}`);
    print('running; Ctrl-C (or `npm run kafka:stop`) stops it');
    await new Promise<void>((resolveSignal) => {
      process.once('SIGINT', resolveSignal);
      process.once('SIGTERM', resolveSignal);
    });
    print('stopping');
    await kafka.stop();
    await rm(cliStateFile(), { force: true });
    return 0;
  }
  if (command === 'stop') {
    const state = await readFile(cliStateFile(), 'utf8').then(
      (t) => JSON.parse(t) as { pid: number; brokers: string },
      () => null,
    );
    if (!state) {
      print('no broker started by `kafka:start` is recorded');
      return 0;
    }
    try {
      process.kill(state.pid, 'SIGTERM');
    } catch {
      print(`process ${state.pid} is gone`);
      await rm(cliStateFile(), { force: true });
      return 0;
    }
    for (let i = 0; i < 300 && isAlive(state.pid); i++) await new Promise((r) => setTimeout(r, 100));
    print(isAlive(state.pid) ? `process ${state.pid} still running` : `stopped broker at ${state.brokers}`);
    return isAlive(state.pid) ? 1 : 0;
  }
  console.error('usage: node --import tsx scripts/kafka.ts start [--port N] [--data-dir DIR] | stop | fetch');
  return 2;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  cli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exitCode = 1;
    },
  );
}
