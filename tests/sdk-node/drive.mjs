// Drives the official OpenAI Node SDK (`openai`, pinned in package.json) for
// tests/e2e/test_sdk_node.py: one JSON command per stdin line, one JSON answer per stdout line.
//
//   {"cmd": "list"}
//     -> {"methods": [{"name": "vectorStores.files.retrieve", "params": ["fileID", "params", "options"]}, ...]}
//        every function of every resource reachable from the client, with its parameter names
//   {"cmd": "call", "baseURL": ..., "name": "vectorStores.files.retrieve", "pathParams": {...},
//    "kwargs": {...}, "headers": {...}}
//     -> {"sent": [{method, url, path, headers, body_b64}], "error": null | {status, code, message},
//         "events": N}
//
// Arguments: each positional id parameter (`fileID`) takes the path parameter of the same
// snake_case name (`file_id`); the `body` / `params` / `query` object takes every other keyword
// argument, as the Python SDK names them (both SDKs send the API's snake_case names). Files are
// `{"$file": [name, base64, type]}` and become `toFile(...)` uploads. What the SDK sends is
// captured by a custom `fetch` that reads a clone of the request and sends the request itself.

import readline from 'node:readline';
import OpenAI, { toFile } from 'openai';

function isResource(o) {
  return o !== null && typeof o === 'object' && o._client !== undefined;
}

function paramNames(fn) {
  const m = fn.toString().match(/^[^(]*\(([^)]*)\)/);
  if (!m) return [];
  return m[1].split(',').map((p) => p.split('=')[0].trim()).filter(Boolean);
}

function listMethods(client) {
  const out = [];
  const seen = new Set();
  const walk = (obj, prefix) => {
    const keys = new Set(Object.keys(obj));
    for (let p = Object.getPrototypeOf(obj); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
      for (const k of Object.getOwnPropertyNames(p)) keys.add(k);
    }
    for (const k of [...keys].sort()) {
      if (k === 'constructor' || k.startsWith('_') || k.startsWith('#')) continue;
      let v;
      try {
        v = obj[k];
      } catch {
        continue;
      }
      if (isResource(v) && !seen.has(v)) {
        seen.add(v);
        walk(v, `${prefix}${k}.`);
      } else if (typeof v === 'function' && prefix) {
        out.push({ name: prefix + k, params: paramNames(v) });
      }
    }
  };
  walk(client, '');
  return out;
}

function snake(name) {
  return name
    .replace(/ID$/, 'Id')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

async function revive(value) {
  if (Array.isArray(value)) return Promise.all(value.map(revive));
  if (value !== null && typeof value === 'object') {
    if (Array.isArray(value.$file)) {
      const [name, b64, type] = value.$file;
      return toFile(Buffer.from(b64, 'base64'), name, { type });
    }
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = await revive(v);
    return out;
  }
  return value;
}

function makeClient(baseURL, sent) {
  const capture = async (url, init) => {
    // The SDK probes a custom fetch for FormData support with `fetch('data:,')`: not a request.
    if (String(url).startsWith('data:')) return fetch(url, init);
    const req = new Request(url, init);
    const body = Buffer.from(await req.clone().arrayBuffer());
    const u = new URL(req.url);
    sent.push({
      method: req.method,
      url: req.url,
      path: u.pathname + u.search,
      headers: [...req.headers],
      body_b64: body.toString('base64'),
    });
    return fetch(req);
  };
  return new OpenAI({
    baseURL,
    apiKey: process.env.OCF_SDK_API_KEY,
    adminAPIKey: process.env.OCF_SDK_ADMIN_KEY,
    maxRetries: 0,
    fetch: capture,
  });
}

async function consume(result) {
  if (result && typeof result[Symbol.asyncIterator] === 'function' && typeof result.controller === 'object') {
    let n = 0;
    for await (const _ of result) n += 1;
    return n;
  }
  if (result && typeof result.arrayBuffer === 'function') {
    // Bytes the SDK hands over as a Response (audio, file content; speech as SSE).
    const text = Buffer.from(await result.arrayBuffer()).toString('latin1');
    if ((result.headers?.get('content-type') || '').includes('text/event-stream')) {
      return text.split('\n').filter((l) => l.startsWith('data:')).length;
    }
  }
  return 0;
}

async function call(cmd) {
  const sent = [];
  const client = makeClient(cmd.baseURL, sent);
  let target = client;
  const parts = cmd.name.split('.');
  for (const p of parts.slice(0, -1)) target = target[p];
  const fn = target[parts.at(-1)];
  const kwargs = await revive(cmd.kwargs);
  const used = new Set();
  const args = [];
  let object = null;
  for (const name of paramNames(fn)) {
    if (name === 'options') break;
    if (['body', 'params', 'query'].includes(name)) {
      object = {};
      args.push(object);
    } else {
      const key = snake(name);
      used.add(key);
      args.push(key in cmd.pathParams ? cmd.pathParams[key] : kwargs[key]);
    }
  }
  const rest = Object.fromEntries(
    [...Object.entries(cmd.pathParams), ...Object.entries(kwargs)].filter(([k]) => !used.has(k)),
  );
  if (object) Object.assign(object, rest);
  else if (Object.keys(rest).length) {
    return { sent, error: { status: 0, code: 'driver', message: `${cmd.name} takes no object for ${Object.keys(rest)}` }, events: 0 };
  }
  args.push({ headers: cmd.headers || {} });
  try {
    const events = await consume(await fn.apply(target, args));
    return { sent, error: null, events };
  } catch (e) {
    if (e instanceof OpenAI.APIError && e.status !== undefined) {
      return { sent, error: { status: e.status, code: e.code ?? null, message: e.message }, events: 0 };
    }
    return { sent, error: { status: 0, code: 'exception', message: String(e && e.stack || e) }, events: 0 };
  }
}

const rl = readline.createInterface({ input: process.stdin });
for await (const line of rl) {
  if (!line.trim()) continue;
  const cmd = JSON.parse(line);
  let out;
  if (cmd.cmd === 'list') {
    out = { methods: listMethods(new OpenAI({ apiKey: 'unused', adminAPIKey: 'unused', baseURL: 'http://127.0.0.1:9/v1' })) };
  } else {
    out = await call(cmd);
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}
