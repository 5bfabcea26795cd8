// A webhook receiver on loopback, as a vendor's service would run one: it verifies every delivery
// with the Standard Webhooks library (npm `standardwebhooks`, pinned) and keeps what it got. Its
// answers can be scripted (500 then 200), and it can go down and come back on the same port.
import http from 'node:http';
import { Webhook } from 'standardwebhooks';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function receiver() {
  const r = {
    /** Every delivery: { id, timestamp, signature, body, event, status }. */
    got: [],
    /** Statuses to answer next, in order; 200 once empty. */
    plan: [],
    url: '',
    port: 0,
    server: null,
  };
  const handle = (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const status = r.plan.length ? r.plan.shift() : 200;
      let event = null;
      try { event = JSON.parse(body); } catch { /* kept as text */ }
      r.got.push({
        id: req.headers['webhook-id'],
        timestamp: req.headers['webhook-timestamp'],
        signature: req.headers['webhook-signature'],
        headers: { 'webhook-id': req.headers['webhook-id'], 'webhook-timestamp': req.headers['webhook-timestamp'], 'webhook-signature': req.headers['webhook-signature'] },
        body, event, status,
      });
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status < 300 ? 'ok' : 'not now');
    });
  };
  r.up = () => new Promise((resolve) => {
    r.server = http.createServer(handle);
    // Never what keeps a test file's process alive (a failed test leaves it up).
    r.server.unref();
    r.server.listen(r.port, '127.0.0.1', () => {
      r.port = r.server.address().port;
      r.url = `http://127.0.0.1:${r.port}/hooks/livechat`;
      resolve();
    });
  });
  r.down = () => new Promise((resolve) => { r.server.closeAllConnections?.(); r.server.close(() => resolve()); });
  /** Verifies one delivery with `secret`: throws when its signature does not hold. */
  r.verify = (delivery, secret, body = delivery.body) => new Webhook(secret).verify(body, delivery.headers);
  /** Waits until `predicate(got)` holds (20 s at most, then fails with what arrived). */
  r.until = async (predicate, what, timeout = 20000) => {
    const deadline = Date.now() + timeout;
    while (!predicate(r.got)) {
      if (Date.now() > deadline) throw new Error(`receiver: ${what} never arrived; got ${JSON.stringify(r.got.map((g) => g.event?.type ?? g.body).slice(-40))}`);
      await sleep(100);
    }
    return r.got;
  };
  r.ofType = (type) => r.got.filter((g) => g.event?.type === type);
  await r.up();
  return r;
}

/**
 * A DNS-over-HTTPS resolver (the JSON API the Worker asks, `WEBHOOK_DNS_RESOLVER`) on the port
 * the test Worker was started with: `names` maps a name to the addresses it answers.
 */
export async function resolver(names) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const name = url.searchParams.get('name');
    const type = url.searchParams.get('type');
    const answers = (names[name] ?? [])
      .filter((ip) => (type === 'AAAA') === ip.includes(':'))
      .map((ip) => ({ name, type: type === 'AAAA' ? 28 : 1, TTL: 60, data: ip }));
    res.writeHead(200, { 'content-type': 'application/dns-json' });
    res.end(JSON.stringify({ Status: answers.length || names[name] ? 0 : 3, Answer: answers }));
  });
  server.unref();
  await new Promise((resolve) => server.listen(Number(process.env.E2E_DNS_PORT), '127.0.0.1', resolve));
  return server;
}
