// HTTPS in front of moto (components.md §5): a Node TLS terminator in a child process, with a
// fresh self-signed certificate for 127.0.0.1/localhost made by `openssl req`.
// A child process (not an in-process server) so a test that blocks its event loop
// (spawnSync, execSync) cannot stall pgBackRest's requests.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.js';
import { makeTempDir } from './tmp.js';
import { requireTool, runOk } from './tools.js';

export interface TlsProxy {
  port: number;
  /** https://127.0.0.1:PORT */
  endpoint: string;
  /** PEM of the self-signed certificate; it is its own CA (aws --ca-bundle, pgbackrest repo-storage-ca-file). */
  caFile: string;
  certFile: string;
  keyFile: string;
  /** Stops the proxy and removes the certificate dir. Idempotent. */
  stop(): Promise<void>;
}

const SERVER_SCRIPT = fileURLToPath(new URL('./tls-proxy-server.mjs', import.meta.url));

const running = new Set<ChildProcess>();
let hooked = false;

function exited(c: ChildProcess): boolean {
  return c.exitCode !== null || c.signalCode !== null;
}
function waitExit(c: ChildProcess, ms: number): Promise<void> {
  if (exited(c)) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    c.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

/** Starts https://127.0.0.1:<random port below 32768> forwarding to http://127.0.0.1:targetPort. */
export async function startTlsProxy(targetPort: number, opts: { attempts?: number } = {}): Promise<TlsProxy> {
  const openssl = requireTool('openssl');
  // 0755 + 0644 cert so pgBackRest (running as postgres) can read the CA file.
  const dir = makeTempDir('tls', { mode: 0o755 });
  const certFile = join(dir.path, 'cert.pem');
  const keyFile = join(dir.path, 'key.pem');
  try {
    await runOk(openssl, [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '30',
      // DNS:127.0.0.1 too: pgBackRest 2.45 matches only DNS-type SANs, not IP ones.
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:127.0.0.1,DNS:localhost',
    ]);
    chmodSync(certFile, 0o644);
  } catch (e) {
    await dir.cleanup();
    throw e;
  }
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      for (const c of running) if (!exited(c)) c.kill('SIGKILL');
    });
  }
  const attempts = opts.attempts ?? 5;
  let lastErr = '';
  for (let i = 0; i < attempts; i++) {
    const port = await freePort();
    const child = spawn(process.execPath, [SERVER_SCRIPT, String(port), String(targetPort), dir.path], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    running.add(child);
    let err = '';
    child.stderr!.on('data', (b: Buffer) => (err = (err + b.toString()).slice(-4000)));
    const ok = await new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), 10_000);
      child.stdout!.on('data', (b: Buffer) => {
        if (b.toString().includes('ready')) {
          clearTimeout(t);
          resolve(true);
        }
      });
      child.once('exit', () => {
        clearTimeout(t);
        resolve(false);
      });
      child.once('error', (e) => {
        err += e.message;
        clearTimeout(t);
        resolve(false);
      });
    });
    if (ok) {
      let stopped: Promise<void> | undefined;
      return {
        port,
        endpoint: `https://127.0.0.1:${port}`,
        caFile: certFile,
        certFile,
        keyFile,
        stop() {
          stopped ??= (async () => {
            if (!exited(child)) {
              child.kill('SIGTERM');
              await waitExit(child, 3000);
              if (!exited(child)) {
                child.kill('SIGKILL');
                await waitExit(child, 3000);
              }
            }
            running.delete(child);
            await dir.cleanup();
          })();
          return stopped;
        },
      };
    }
    if (!exited(child)) child.kill('SIGKILL');
    await waitExit(child, 3000);
    running.delete(child);
    lastErr = err;
    if (child.exitCode !== 98) break; // not a port conflict
  }
  await dir.cleanup();
  throw new Error(`TLS proxy did not start: ${lastErr.trim()}`);
}
