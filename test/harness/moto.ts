// A real S3 server on loopback: moto_server (pyenv), one in-memory state per process.
// moto proves wire format and round trips, NOT AWS validation rules (see components.md §2).
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort, waitForHttp } from './ports.js';
import { requireTool } from './tools.js';

export interface MotoServer {
  /** e.g. http://127.0.0.1:24817 */
  endpoint: string;
  port: number;
  /** POST /moto-api/reset: drops every bucket and object. */
  reset(): Promise<void>;
  /** Kills moto and waits for it to exit. Idempotent. */
  stop(): Promise<void>;
}

export interface StartMotoOptions {
  /** Time allowed for /moto-api/ to answer, per attempt. Default 20 s. */
  timeoutMs?: number;
  /** Start attempts on port conflicts. Default 5. */
  attempts?: number;
}

/** Credentials/region moto accepts; use them for the SDK and the aws CLI. */
export const MOTO_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' } as const;
export const MOTO_REGION = 'us-east-1';

/** S3Client config for moto (pass to `new S3Client(...)`); path-style addressing is required. */
export function s3ClientConfig(endpoint: string, region: string = MOTO_REGION) {
  return { region, endpoint, forcePathStyle: true, credentials: { ...MOTO_CREDENTIALS } };
}

/** Environment for the aws CLI / any AWS tool talking to moto (add `--endpoint-url`). */
export function awsEnv(region: string = MOTO_REGION): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
    AWS_DEFAULT_REGION: region,
    AWS_REGION: region,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_PAGER: '',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

/** Absolute path of moto_server (PATH, then the pyenv shims). */
export function motoBinary(): string {
  return requireTool('moto_server');
}

const running = new Set<ChildProcess>();
let hooked = false;
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  // Safety net only: tests must call stop() in afterAll. This catches a crashed worker.
  process.once('exit', () => {
    for (const c of running) killGroup(c, 'SIGKILL');
  });
}

function killGroup(c: ChildProcess, sig: NodeJS.Signals): void {
  if (c.pid === undefined || c.exitCode !== null || c.signalCode !== null) return;
  try {
    process.kill(-c.pid, sig);
  } catch {
    try {
      c.kill(sig);
    } catch {
      /* gone */
    }
  }
}

function waitExit(c: ChildProcess, ms: number): Promise<boolean> {
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    c.once('exit', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

async function stopChild(c: ChildProcess): Promise<void> {
  killGroup(c, 'SIGTERM');
  if (!(await waitExit(c, 5000))) {
    killGroup(c, 'SIGKILL');
    await waitExit(c, 5000);
  }
  running.delete(c);
}

/** Starts moto_server on 127.0.0.1 at a random free port below 32768; retries on port conflicts. */
export async function startMoto(opts: StartMotoOptions = {}): Promise<MotoServer> {
  const bin = motoBinary();
  const attempts = opts.attempts ?? 5;
  let lastErr: Error | undefined;
  for (let i = 0; i < attempts; i++) {
    const port = await freePort();
    // Own process group (detached) so stop() also reaches anything the pyenv shim spawned.
    const child = spawn(bin, ['-H', '127.0.0.1', '-p', String(port)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      env: { ...process.env, PYTHONUNBUFFERED: '1' },
    });
    running.add(child);
    hookExit();
    let log = '';
    const keep = (b: Buffer) => {
      log = (log + b.toString('utf8')).slice(-8000); // moto logs every request; keep the tail only
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    let spawnError: Error | undefined;
    child.on('error', (e) => (spawnError = e));
    const endpoint = `http://127.0.0.1:${port}`;
    try {
      await waitForHttp(`${endpoint}/moto-api/`, opts.timeoutMs ?? 20_000, () => {
        if (spawnError) return `spawn failed: ${spawnError.message}`;
        if (child.exitCode !== null || child.signalCode !== null)
          return `moto_server exited (${child.exitCode ?? child.signalCode}): ${log.trim().slice(-2000)}`;
        return undefined;
      });
    } catch (e) {
      await stopChild(child);
      lastErr = e as Error;
      if (/address already in use|errno 98/i.test(log)) continue; // port race: try another port
      throw lastErr;
    }
    let stopped: Promise<void> | undefined;
    return {
      endpoint,
      port,
      async reset() {
        const r = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
        await r.arrayBuffer();
        if (!r.ok) throw new Error(`moto reset failed: HTTP ${r.status}`);
      },
      stop() {
        stopped ??= stopChild(child);
        return stopped;
      },
    };
  }
  throw new Error(`moto_server did not start after ${attempts} attempts: ${lastErr?.message}`);
}
