// Sends a request body over a real socket, as a client that keeps writing until the whole body is out:
// a server that closes the connection early makes the writes fail (EPIPE / ECONNRESET), which inject hides.
import net from 'node:net';

export interface SocketAnswer {
  status: number;
  body: string;
  /** The socket error the client saw while sending or reading, if any. */
  error: string | null;
}

export function sendOverSocket(
  port: number,
  method: string,
  url: string,
  headers: Record<string, string>,
  bodyBytes: number,
): Promise<SocketAnswer> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let error: string | null = null;
    const finish = () => {
      const raw = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(raw);
      const split = raw.indexOf('\r\n\r\n');
      resolve({
        status: m ? Number(m[1]) : 0,
        body: split === -1 ? '' : Buffer.from(raw.slice(split + 4), 'latin1').toString('utf8'),
        error,
      });
    };
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('error', (e: NodeJS.ErrnoException) => {
      error ??= e.code ?? e.message;
    });
    s.on('close', finish);
    const head = Object.entries({ host: '127.0.0.1', 'content-length': String(bodyBytes), ...headers })
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    s.write(`${method} ${url} HTTP/1.1\r\n${head}connection: close\r\n\r\n`);
    // A JSON string that never ends: `{"pad":"xxxx…`.
    const chunk = Buffer.alloc(64 * 1024, 0x78);
    Buffer.from('{"pad":"').copy(chunk);
    let sent = 0;
    const pump = () => {
      while (sent < bodyBytes && !s.destroyed) {
        const part = chunk.subarray(0, Math.min(chunk.length, bodyBytes - sent));
        sent += part.length;
        if (!s.write(part)) {
          s.once('drain', pump);
          return;
        }
      }
    };
    pump();
  });
}
