// Loopback port selection. Every port is picked at random in 20000–32000: below the Linux
// ephemeral range (32768–60999), so an outgoing connection can never be holding it.
import { createServer } from 'node:net';

export const PORT_MIN = 20000;
export const PORT_MAX = 32000;

/** True if 127.0.0.1:port can be bound right now. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host: '127.0.0.1', exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/**
 * A random free loopback port in [PORT_MIN, PORT_MAX). The port can still be taken between this
 * check and the server's bind; callers retry the start on "address in use".
 */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const port = PORT_MIN + Math.floor(Math.random() * (PORT_MAX - PORT_MIN));
    if (await isPortFree(port)) return port;
  }
  throw new Error(`no free port found in ${PORT_MIN}-${PORT_MAX} after 100 tries`);
}

/** Polls `url` until it answers 2xx, or throws after timeoutMs. `abort()` returning a reason stops early. */
export async function waitForHttp(
  url: string,
  timeoutMs = 15_000,
  abort?: () => string | undefined,
  fetchInit?: RequestInit,
): Promise<void> {
  const t0 = Date.now();
  let last = '';
  while (Date.now() - t0 < timeoutMs) {
    const why = abort?.();
    if (why) throw new Error(`gave up waiting for ${url}: ${why}`);
    try {
      const r = await fetch(url, { ...fetchInit, signal: AbortSignal.timeout(2000) });
      await r.arrayBuffer();
      if (r.ok) return;
      last = `HTTP ${r.status}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timeout after ${timeoutMs} ms waiting for ${url} (last: ${last})`);
}
