// Starts a throw-away Espace server (`espace serve --demo`) for one group of
// tests, on a free loopback port, with its own data directory — and, on
// PostgreSQL (E2E_DATABASE_URL), its own database, so that no group sees
// what another changed (as each gets its own SQLite file).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const E2E_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The espace binary: $ESPACE_BIN, else $CARGO_TARGET_DIR/debug/espace, else ../target/debug/espace. */
export function espaceBinary() {
  if (process.env.ESPACE_BIN) return resolve(process.env.ESPACE_BIN);
  if (process.env.CARGO_TARGET_DIR) return resolve(process.env.CARGO_TARGET_DIR, 'debug', 'espace');
  return resolve(E2E_DIR, '..', 'target', 'debug', 'espace');
}

/** A TCP port free on the loopback right now. */
export function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Variables that would point the server somewhere else than its fresh data dir.
const STRIPPED = ['DATABASE_URL', 'ESPACE_CONFIG', 'ESPACE__DATABASE_URL', 'ESPACE__DATABASE_URL_FILE',
  'ESPACE__LISTEN', 'ESPACE__DATA_DIR', 'ESPACE__METRICS_LISTEN'];

const running = new Set();
process.on('exit', () => {
  for (const child of running) {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
});

let databases = 0;

/**
 * A fresh database next to E2E_DATABASE_URL (created through it), or null
 * on SQLite. Returns { url, drop() }.
 */
function freshDatabase() {
  const base = process.env.E2E_DATABASE_URL;
  if (!base) return null;
  const name = `espace_e2e_${process.pid}_${++databases}_${Math.random().toString(36).slice(2, 8)}`;
  const psql = (sql) => execFileSync('psql', ['-q', '-d', base, '-c', sql], { stdio: ['ignore', 'ignore', 'inherit'] });
  psql(`CREATE DATABASE ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function startOnce(bin, port, dataDir, extraEnv, host, databaseUrl) {
  const env = { ...process.env };
  for (const k of STRIPPED) delete env[k];
  env.ESPACE__METRICS_LISTEN = '';
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  Object.assign(env, extraEnv);

  const child = spawn(bin, ['serve', '--demo', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const log = [];
  const keep = (chunk) => {
    for (const line of chunk.toString().split('\n')) {
      if (line) log.push(line);
    }
    if (log.length > 400) log.splice(0, log.length - 400);
    if (process.env.E2E_SERVER_LOG) process.stderr.write(chunk);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = null;
  const exit = new Promise((r) => child.on('exit', (code, signal) => {
    exited = { code, signal };
    running.delete(child);
    r(exited);
  }));

  const baseURL = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && !exited) {
    try {
      const res = await fetch(`${baseURL}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return { child, log, exit, baseURL: `http://${host}:${port}` };
    } catch { /* not listening yet */ }
    await sleep(100);
  }
  if (!exited) child.kill('SIGKILL');
  await exit;
  const err = new Error(`espace did not become healthy on ${baseURL} (${JSON.stringify(exited)}).\n` +
    `Last server output:\n${log.slice(-40).join('\n')}`);
  err.portClash = log.some((l) => /address already in use|AddrInUse/i.test(l));
  throw err;
}

/**
 * Starts `espace serve --demo` and waits for GET /healthz to answer 200.
 * `env`: extra variables for the server (e.g. a short session timeout).
 * `host`: how the browser names it (`localhost` for passkeys, which need a
 * domain name).
 * Returns { baseURL, log(), stop() }.
 */
export async function startServer({ env = {}, host = '127.0.0.1' } = {}) {
  const bin = espaceBinary();
  if (!existsSync(bin)) {
    throw new Error(`espace binary not found at ${bin}: build it (cargo build -p espace) or set ESPACE_BIN`);
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'espace-e2e-'));
  const database = freshDatabase();
  let started;
  for (let attempt = 1; ; attempt++) {
    try {
      started = await startOnce(bin, await freePort(), dataDir, env, host, database?.url);
      break;
    } catch (e) {
      if (!e.portClash || attempt >= 3) {
        await rm(dataDir, { recursive: true, force: true });
        database?.drop();
        throw e;
      }
    }
  }
  const { child, log, exit, baseURL } = started;
  return {
    baseURL,
    log: () => log.join('\n'),
    /**
     * Runs one SQL statement on the server's database (to age a record
     * past a limit the clock cannot reach in a browser test).
     */
    sql(statement) {
      if (database) {
        execFileSync('psql', ['-q', '-d', database.url, '-c', statement], { stdio: ['ignore', 'ignore', 'inherit'] });
      } else {
        execFileSync('python3', ['-c',
          'import sqlite3, sys; c = sqlite3.connect(sys.argv[1], timeout=10); c.execute(sys.argv[2]); c.commit()',
          join(dataDir, 'espace-demo.db'), statement], { stdio: ['ignore', 'ignore', 'inherit'] });
      }
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) {
        process.stderr.write(`espace exited during the tests (${child.exitCode ?? child.signalCode}); ` +
          `its last output:\n${log.slice(-40).join('\n')}\n`);
      } else {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exit;
        clearTimeout(t);
      }
      await rm(dataDir, { recursive: true, force: true });
      database?.drop();
    },
  };
}
