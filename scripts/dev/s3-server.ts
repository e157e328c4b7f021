// A local S3-compatible server for development and tests: s3rver keeps the objects in a folder, and a
// gate in front of it checks browser uploads (POST Object) against their signed policy as S3 does.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
// Its output (&amp; &lt; &gt; &quot; &#39;) is as valid in XML text and attributes as in HTML.
import escapeHtml from 'escape-html';
import S3rver from 's3rver';

export interface LocalS3Options {
  /** Where the objects live. */
  readonly directory: string;
  /** The origins whose pages may upload and read with JavaScript (the bucket's CORS rule). */
  readonly allowedOrigins: readonly string[];
  readonly port?: number;
  readonly bucket?: string;
  /** The gate's clock, for policy expiry; tests move it. */
  readonly now?: () => number;
}

export interface LocalS3 {
  readonly url: string;
  readonly port: number;
  readonly bucket: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** The variables an app needs to use this server, as the Bucketeer add-on or a real bucket would set them. */
  readonly env: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

// s3rver's one built-in account.
const ACCESS_KEY_ID = 'S3RVER';
const SECRET_ACCESS_KEY = 'S3RVER';
const REGION = 'us-east-1';
// A form post larger than this is refused before it is read: no policy this app signs comes near it.
const MAX_POST_BYTES = 64 * 1024 * 1024;

function corsRule(origins: readonly string[]): string {
  return `<CORSConfiguration><CORSRule>
    ${origins.map((origin) => `<AllowedOrigin>${escapeHtml(origin)}</AllowedOrigin>`).join('')}
    <AllowedMethod>GET</AllowedMethod><AllowedMethod>POST</AllowedMethod>
    <AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><ExposeHeader>Location</ExposeHeader>
    <MaxAgeSeconds>3000</MaxAgeSeconds>
  </CORSRule></CORSConfiguration>`;
}

export async function startLocalS3(options: LocalS3Options): Promise<LocalS3> {
  const bucket = options.bucket ?? 'campaign-uploads';
  mkdirSync(options.directory, { recursive: true });
  const backend = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: options.directory,
    // No origin, no CORS rule: only servers (tests, the app) use the bucket then.
    configureBuckets: [
      {
        name: bucket,
        configs: options.allowedOrigins.length > 0 ? [corsRule(options.allowedOrigins)] : [],
      },
    ],
  });
  const inner = await backend.run();

  const gate = http.createServer((req, res) => {
    const origin = req.headers.origin;
    if (origin && options.allowedOrigins.includes(origin)) {
      // Also on refusals, so that the page's script can read why.
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
    }
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const postObject = req.method === 'POST' && path.replace(/\/+$/, '') === `/${bucket}`;
    const handled = postObject
      ? checkPostObject(req, bucket, options.now?.() ?? Date.now())
      : Promise.resolve(undefined);
    handled.then(
      (body) => forward(req, res, inner.port, body),
      (err: unknown) => {
        if (err instanceof S3Refusal) return refuse(res, err);
        refuse(res, new S3Refusal(500, 'InternalError', String(err)));
      },
    );
  });
  try {
    await new Promise<void>((resolve, reject) => {
      gate.once('error', reject);
      gate.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
  } catch (err) {
    // Its port taken (EADDRINUSE, say): s3rver is listening already, and would keep the process alive.
    gate.close();
    await backend.close();
    throw err;
  }
  const { port } = gate.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    bucket,
    region: REGION,
    accessKeyId: ACCESS_KEY_ID,
    secretAccessKey: SECRET_ACCESS_KEY,
    env: {
      S3_ENDPOINT: url,
      S3_BUCKET: bucket,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: SECRET_ACCESS_KEY,
    },
    async stop() {
      gate.closeAllConnections();
      await new Promise<void>((resolve) => gate.close(() => resolve()));
      await backend.close();
    },
  };
}

/** Sends the request on to s3rver, with the body already read when the gate had to read it. */
function forward(req: IncomingMessage, res: ServerResponse, port: number, body?: Buffer) {
  const upstream = http.request(
    { host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', (err) => refuse(res, new S3Refusal(502, 'InternalError', err.message)));
  if (body) upstream.end(body);
  else req.pipe(upstream);
}

class S3Refusal extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function refuse(res: ServerResponse, refusal: S3Refusal) {
  if (res.headersSent) return res.destroy();
  res.writeHead(refusal.status, { 'Content-Type': 'application/xml', Connection: 'close' });
  res.end(
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${refusal.code}</Code>` +
      `<Message>${escapeHtml(refusal.message)}</Message></Error>`,
  );
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_POST_BYTES) {
    throw new S3Refusal(400, 'MaxPostPreDataLengthExceeded', 'Your POST request is too large.');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_POST_BYTES) {
      throw new S3Refusal(400, 'MaxPostPreDataLengthExceeded', 'Your POST request is too large.');
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

type Condition = Record<string, string> | [string, string | number, string | number];

const hmac = (key: Buffer | string, data: string) =>
  createHmac('sha256', key).update(data).digest();

/**
 * Checks a browser upload as S3 does: the policy's signature and expiry, then every condition, and that
 * every form field is covered by one. Returns the body to pass on; throws the refusal S3 would send.
 */
async function checkPostObject(req: IncomingMessage, bucket: string, now: number): Promise<Buffer> {
  const body = await readBody(req);
  const type = req.headers['content-type'] ?? '';
  if (!type.startsWith('multipart/form-data')) {
    throw new S3Refusal(
      412,
      'PreconditionFailed',
      'Bucket POST must be of the enclosure-type multipart/form-data',
    );
  }
  const form = await new Request('http://gate/', {
    method: 'POST',
    headers: { 'content-type': type },
    body: new Uint8Array(body),
  }).formData();

  // Field names are case-insensitive; S3 reads nothing after the file.
  const fields = new Map<string, string>();
  let fileSize: number | undefined;
  for (const [name, value] of form) {
    if (name === 'file') {
      fileSize = typeof value === 'string' ? Buffer.byteLength(value) : value.size;
      break;
    }
    if (typeof value === 'string') fields.set(name.toLowerCase(), value);
  }
  if (fileSize === undefined) {
    throw new S3Refusal(
      400,
      'InvalidArgument',
      'POST requires exactly one file upload per request.',
    );
  }
  const policy = fields.get('policy');
  if (policy === undefined) {
    throw new S3Refusal(403, 'AccessDenied', 'Bucket POST must contain a field named policy.');
  }
  verifySignature(fields, policy);

  let document: { expiration?: string; conditions?: Condition[] };
  try {
    document = JSON.parse(Buffer.from(policy, 'base64').toString('utf8')) as typeof document;
  } catch {
    throw new S3Refusal(400, 'InvalidPolicyDocument', 'Invalid Policy: Invalid JSON.');
  }
  const expiration = Date.parse(document.expiration ?? '');
  if (Number.isNaN(expiration)) {
    throw new S3Refusal(400, 'InvalidPolicyDocument', 'Invalid Policy: Policy missing expiration.');
  }
  if (expiration < now) {
    throw new S3Refusal(403, 'AccessDenied', 'Invalid according to Policy: Policy expired.');
  }

  const values = new Map(fields);
  values.set('bucket', bucket);
  const covered = new Set(['policy', 'x-amz-signature', 'file']);
  const failed = (condition: Condition) =>
    new S3Refusal(
      403,
      'AccessDenied',
      `Invalid according to Policy: Policy Condition failed: ${JSON.stringify(condition)}`,
    );
  for (const condition of document.conditions ?? []) {
    if (!Array.isArray(condition)) {
      for (const [name, expected] of Object.entries(condition)) {
        covered.add(name.toLowerCase());
        if (values.get(name.toLowerCase()) !== expected) throw failed(condition);
      }
      continue;
    }
    const [op, subject, operand] = condition;
    if (op.toLowerCase() === 'content-length-range') {
      if (fileSize > Number(operand)) {
        throw new S3Refusal(
          400,
          'EntityTooLarge',
          'Your proposed upload exceeds the maximum allowed size',
        );
      }
      if (fileSize < Number(subject)) {
        throw new S3Refusal(
          400,
          'EntityTooSmall',
          'Your proposed upload is smaller than the minimum allowed size',
        );
      }
      continue;
    }
    const name = String(subject).replace(/^\$/, '').toLowerCase();
    covered.add(name);
    const actual = values.get(name) ?? '';
    const ok =
      op.toLowerCase() === 'eq'
        ? actual === operand
        : op.toLowerCase() === 'starts-with' && actual.startsWith(String(operand));
    if (!ok) throw failed(condition);
  }
  const extra = [...fields.keys()].filter(
    (name) => !covered.has(name) && !name.startsWith('x-ignore-'),
  );
  if (extra.length > 0) {
    throw new S3Refusal(
      403,
      'AccessDenied',
      `Invalid according to Policy: Extra input fields: ${extra.join(', ')}`,
    );
  }
  return body;
}

/** Signature Version 4 for POST: the policy, signed with a key derived from the secret, date and region. */
function verifySignature(fields: Map<string, string>, policy: string) {
  if (fields.get('x-amz-algorithm') !== 'AWS4-HMAC-SHA256') {
    throw new S3Refusal(
      400,
      'InvalidRequest',
      'Only the AWS4-HMAC-SHA256 algorithm is supported here.',
    );
  }
  const [accessKeyId, date, region, service] = (fields.get('x-amz-credential') ?? '').split('/');
  if (accessKeyId !== ACCESS_KEY_ID || !date || !region || service !== 's3') {
    throw new S3Refusal(
      403,
      'InvalidAccessKeyId',
      'The AWS Access Key Id you provided does not exist in our records.',
    );
  }
  const key = hmac(
    hmac(hmac(hmac(`AWS4${SECRET_ACCESS_KEY}`, date), region), service),
    'aws4_request',
  );
  const expected = hmac(key, policy);
  const given = Buffer.from(fields.get('x-amz-signature') ?? '', 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new S3Refusal(
      403,
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided.',
    );
  }
}
