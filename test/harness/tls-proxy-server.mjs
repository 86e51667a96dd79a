// TLS terminator for moto_server (components.md §5), run as a child process by tls-proxy.ts.
// pgBackRest only speaks HTTPS to S3, and moto's own --ssl breaks pgBackRest PUTs under OpenSSL 3.
// usage: node tls-proxy-server.mjs LISTEN_PORT TARGET_PORT CERT_DIR
// Prints "ready" when listening; exits 98 on EADDRINUSE; exits when its stdin closes (parent gone).
import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const [listen, target, dir] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4]];
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);
const agent = new http.Agent({ keepAlive: false });
const server = https.createServer(
  { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
  (req, res) => {
    const up = http.request(
      { host: '127.0.0.1', port: target, method: req.method, path: req.url, headers: { ...req.headers }, agent },
      (r) => {
        const h = {};
        for (const [k, v] of Object.entries(r.headers)) if (!HOP.has(k)) h[k] = v;
        res.writeHead(r.statusCode ?? 502, h);
        r.pipe(res);
      },
    );
    up.on('error', (e) => {
      if (!res.headersSent) res.writeHead(502);
      res.end(String(e));
    });
    req.pipe(up);
  },
);
server.on('error', (e) => {
  process.stderr.write(`tls-proxy: ${e.message}\n`);
  process.exit(e.code === 'EADDRINUSE' ? 98 : 1);
});
server.listen(listen, '127.0.0.1', () => process.stdout.write('ready\n'));
process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
process.stdin.resume();
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 500).unref();
});
