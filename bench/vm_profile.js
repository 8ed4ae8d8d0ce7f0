#!/usr/bin/env node
// The filter's own cost per request, VM side only: runs the wasm module in Node's V8 behind a
// minimal proxy-wasm host (every host call answered from memory, no Envoy), drives N requests
// through the callbacks Envoy would call, and prints the mean time of each callback and the
// host calls made per request. What Envoy adds (its side of each host call, the wasm<->host
// transitions of its V8 embedding, the copies) is what `make bench` measures minus this.
//
//   node bench/vm_profile.js WASM BODY.json[,BODY.json...] [--path P] [--requests N] [--policy FILE|JSON]
//        [--reply json|sse] [--reply-kb K] [--chunk B] [--cpu-time]
//
// With --reply, the upstream's reply is a chat completion of about K KiB (default 16) that
// echoes every placeholder the filter sent upstream for that body (one about every 300
// bytes), as one JSON body or as an SSE stream of small deltas (every other placeholder cut
// across two events), handed to the response callback in chunks of B bytes (default: the
// SSE events one by one, the JSON body whole): what restoring pseudonyms costs per KiB of
// reply, with a policy that restores, against the same policy without `restore`.
//
// For a per-function profile, build the wasm with its names and add Node's profiler:
//   CARGO_PROFILE_RELEASE_STRIP=false cargo build --release --lib --target wasm32-wasip1
//   node --cpu-prof bench/vm_profile.js target/wasm32-wasip1/release/openai_compliance_filter.wasm ...
// The figures are the quickest of five blocks of requests, after a second of warm-up.
// Exits 1 when the policy does not load or a request is answered locally (a deny would be
// measured instead of the inspection).
'use strict';
const fs = require('fs');

function parseArgs(argv) {
  const a = { rest: [], path: null, requests: 5000, policy: '{}', reply: null, replyKb: 16, chunk: 0,
    cpuTime: false };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i];
    if (v === '--path') a.path = argv[++i];
    else if (v === '--requests') a.requests = parseInt(argv[++i], 10);
    else if (v === '--policy') a.policy = argv[++i];
    else if (v === '--reply') a.reply = argv[++i];
    else if (v === '--reply-kb') a.replyKb = parseFloat(argv[++i]);
    else if (v === '--chunk') a.chunk = parseInt(argv[++i], 10);
    else if (v === '--cpu-time') a.cpuTime = true;
    else a.rest.push(v);
  }
  if (a.rest.length !== 2 || !(a.requests > 0)) {
    console.error('usage: node bench/vm_profile.js WASM BODY.json[,BODY.json...] [--path P] [--requests N] [--policy FILE|JSON]');
    process.exit(2);
  }
  return a;
}

const args = parseArgs(process.argv.slice(2));
const [wasmPath, bodyList] = args.rest;
// Several bodies of one size (comma-separated) are sent in turn: one body repeated lets the
// CPU's branch predictors learn its text.
const bodies = bodyList.split(',').map((f) => fs.readFileSync(f));
const bodyPath = bodyList.split(',')[0];
if (bodies.some((b) => b.length !== bodies[0].length)) {
  console.error('vm_profile: the bodies must all have the same size');
  process.exit(2);
}
let body = bodies[0];
let bodyIndex = 0;
const path = args.path || (bodyPath.split('/').pop().startsWith('responses') ? '/v1/responses' : '/v1/chat/completions');
const policy = Buffer.from(fs.existsSync(args.policy) ? fs.readFileSync(args.policy) : args.policy);
// The reply of bench/upstream.
const REPLY = Buffer.from('{"id":"chatcmpl-bench","object":"chat.completion","created":1700000000,' +
  '"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"OK."},' +
  '"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":2,"total_tokens":14}}');
const REQUEST_HEADERS = [[':authority', '127.0.0.1:10000'], [':path', path], [':method', 'POST'],
  [':scheme', 'http'], ['user-agent', 'wrk'], ['content-type', 'application/json'],
  ['authorization', 'Bearer sk-proj-benchmarkkeybenchmarkkeybenchmarkkey'],
  ['content-length', String(body.length)], ['x-forwarded-proto', 'http'],
  ['x-request-id', '4b1c5a4e-8d1e-4c1a-9d2e-0a6b7c8d9e0f']];
let RESPONSE_HEADERS = [[':status', '200'], ['content-type', 'application/json'],
  ['content-length', String(REPLY.length)], ['x-envoy-upstream-service-time', '0']];
if (args.reply === 'sse') {
  RESPONSE_HEADERS = [[':status', '200'], ['content-type', 'text/event-stream; charset=utf-8'],
    ['x-envoy-upstream-service-time', '0']];
}
// --reply: the reply of each body variant (its chunks), built from the placeholders the filter
// sent upstream for it (captured from proxy_set_buffer_bytes on the request body).
const replyChunks = new Map();
let sentBody = null;
const WORDS = 'the order ships today and we will write again when it arrives at your door'.split(' ');
function buildReply(placeholders) {
  const target = Math.round(args.replyKb * 1024);
  let text = '';
  let w = 0;
  let p = 0;
  const deltas = [];
  let delta = '';
  while (text.length + delta.length < target) {
    let piece = WORDS[w++ % WORDS.length] + ' ';
    if (placeholders.length && (text.length + delta.length) % 300 < piece.length) {
      const ph = placeholders[p++ % placeholders.length];
      if (p % 2 === 0) {
        // Cut across two events.
        const half = ph.length >> 1;
        delta += ph.slice(0, half);
        deltas.push(delta);
        delta = ph.slice(half) + ' ';
        continue;
      }
      piece = ph + ' ';
    }
    delta += piece;
    if (delta.length > 24) { deltas.push(delta); text += delta; delta = ''; }
  }
  if (delta) { deltas.push(delta); text += delta; }
  if (args.reply === 'sse') {
    const base = '{"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":';
    const events = deltas.map((d) => Buffer.from(`data: ${base}${JSON.stringify(d)}},"finish_reason":null}]}\n\n`));
    events.push(Buffer.from('data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":2,"total_tokens":14}}\n\ndata: [DONE]\n\n'));
    return args.chunk > 0 ? rechunk(Buffer.concat(events)) : events;
  }
  const json = Buffer.from('{"id":"chatcmpl-bench","object":"chat.completion","created":1700000000,' +
    `"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":${JSON.stringify(deltas.join(''))}},` +
    '"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":2,"total_tokens":14}}');
  return args.chunk > 0 ? rechunk(json) : [json];
}
function rechunk(buf) {
  const out = [];
  for (let i = 0; i < buf.length; i += args.chunk) out.push(buf.subarray(i, i + args.chunk));
  return out;
}
let chunk = REPLY;
// proxy-wasm 0.2.1 enums.
const BUFFER = { requestBody: 0, responseBody: 1, pluginConfiguration: 7 };
const MAP = { requestHeaders: 0, responseHeaders: 2 };
const OK = 0, NOT_FOUND = 1;

// proxy_get_header_map_pairs encoding: count, (key len, value len) pairs, then each key and
// value NUL-terminated.
function serializePairs(pairs) {
  const head = Buffer.alloc(4 + 8 * pairs.length);
  head.writeUInt32LE(pairs.length, 0);
  const parts = [head];
  pairs.forEach(([k, v], i) => {
    head.writeUInt32LE(Buffer.byteLength(k), 4 + 8 * i);
    head.writeUInt32LE(Buffer.byteLength(v), 8 + 8 * i);
    parts.push(Buffer.from(k), Buffer.alloc(1), Buffer.from(v), Buffer.alloc(1));
  });
  return Buffer.concat(parts);
}
const requestPairs = serializePairs(REQUEST_HEADERS);
const responsePairs = serializePairs(RESPONSE_HEADERS);

let instance = null;
let nowNs = 1700000000000000000n;
let localReplies = 0;
const hostCalls = {};
const bytes = () => new Uint8Array(instance.exports.memory.buffer);
const view = () => new DataView(instance.exports.memory.buffer);
const text = (ptr, len) => Buffer.from(bytes().subarray(ptr, ptr + len)).toString();

// Hands `data` to the module the way a host does: memory from proxy_on_memory_allocate.
function give(data, ptrPtr, sizePtr) {
  const p = instance.exports.proxy_on_memory_allocate(data.length);
  bytes().set(data, p);
  view().setUint32(ptrPtr, p, true);
  view().setUint32(sizePtr, data.length, true);
  return OK;
}

const host = {
  proxy_get_buffer_bytes(type, start, max, ptrPtr, sizePtr) {
    const src = type === BUFFER.pluginConfiguration ? policy
      : type === BUFFER.requestBody ? body : type === BUFFER.responseBody ? chunk : null;
    if (!src) return NOT_FOUND;
    return give(src.subarray(start, Math.min(src.length, start + (max >>> 0))), ptrPtr, sizePtr);
  },
  proxy_get_header_map_pairs(type, ptrPtr, sizePtr) {
    return give(type === MAP.requestHeaders ? requestPairs : responsePairs, ptrPtr, sizePtr);
  },
  proxy_get_header_map_value(type, keyPtr, keyLen, ptrPtr, sizePtr) {
    const key = text(keyPtr, keyLen);
    const pairs = type === MAP.requestHeaders ? REQUEST_HEADERS : RESPONSE_HEADERS;
    const hit = pairs.find(([k]) => k === key);
    return hit ? give(Buffer.from(hit[1]), ptrPtr, sizePtr) : NOT_FOUND;
  },
  proxy_get_property(pathPtr, pathLen, ptrPtr, sizePtr) {
    return text(pathPtr, pathLen) === 'upstream\0address'
      ? give(Buffer.from('127.0.0.1:34567'), ptrPtr, sizePtr) : NOT_FOUND;
  },
  proxy_get_current_time_nanoseconds(ptr) {
    nowNs += 1000000n;
    view().setBigUint64(ptr, nowNs, true);
    return OK;
  },
  proxy_define_metric(_type, _namePtr, _nameLen, idPtr) {
    view().setUint32(idPtr, 1, true);
    return OK;
  },
  proxy_set_buffer_bytes(type, _start, _size, ptr, len) {
    if (type === BUFFER.requestBody) sentBody = text(ptr, len);
    return OK;
  },
  proxy_send_local_response() {
    localReplies++;
    return OK;
  },
};
// Every other host call (logging, properties set, metrics, header edits) succeeds and is counted.
const env = new Proxy({}, {
  get: (_, name) => (...a) => {
    hostCalls[name] = (hostCalls[name] || 0) + 1;
    return host[name] ? host[name](...a) : OK;
  },
});
const wasi = {
  random_get: (p, n) => { bytes().fill(7, p, p + n); return 0; },
  environ_get: () => 0,
  environ_sizes_get: (a, b) => { view().setUint32(a, 0, true); view().setUint32(b, 0, true); return 0; },
  fd_write: (_fd, _iov, _n, out) => { view().setUint32(out, 0, true); return 0; },
  proc_exit: (c) => { throw new Error(`proc_exit(${c})`); },
};

instance = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(wasmPath)),
  { env, wasi_snapshot_preview1: wasi });
const x = instance.exports;
x._initialize();
x.proxy_on_context_create(1, 0);
x.proxy_on_vm_start(1, 0);
if (!x.proxy_on_configure(1, policy.length)) {
  console.error('vm_profile: the policy did not load');
  process.exit(1);
}

const STEPS = ['context', 'request headers', 'request body', 'response headers', 'response body',
  'log', 'done'];
const total = new Float64Array(STEPS.length);
// --cpu-time: laps in this thread's CPU time (process.cpuUsage) instead of wall time, for a
// machine shared with other work (wall time then counts the waits for a core).
const clock = args.cpuTime
  ? () => { const u = process.cpuUsage(); return BigInt(u.user + u.system) * 1000n; }
  : () => process.hrtime.bigint();
function request(ctx, timed) {
  let t0 = clock();
  const lap = (i) => {
    const t = clock();
    if (timed) total[i] += Number(t - t0);
    t0 = t;
  };
  const variant = bodyIndex++ % bodies.length;
  body = bodies[variant];
  x.proxy_on_context_create(ctx, 1); lap(0);
  x.proxy_on_request_headers(ctx, REQUEST_HEADERS.length, 0); lap(1);
  sentBody = null;
  x.proxy_on_request_body(ctx, body.length, 1); lap(2);
  let chunks = [REPLY];
  if (args.reply) {
    if (!replyChunks.has(variant)) {
      const found = [...new Set((sentBody || '').match(/\[[A-Z][A-Z0-9_]*_[0-9]+\]/g) || [])];
      replyChunks.set(variant, buildReply(found));
    }
    chunks = replyChunks.get(variant);
    t0 = clock();
  }
  x.proxy_on_response_headers(ctx, RESPONSE_HEADERS.length, 0); lap(3);
  for (let i = 0; i < chunks.length; i++) {
    chunk = chunks[i];
    x.proxy_on_response_body(ctx, chunk.length, i === chunks.length - 1 ? 1 : 0);
  }
  lap(4);
  x.proxy_on_log(ctx); lap(5);
  x.proxy_on_done(ctx); x.proxy_on_delete(ctx); lap(6);
}

// Warm-up: V8 compiles with its baseline tier first and tiers hot functions up in the
// background; a second at least.
const warmUntil = process.hrtime.bigint() + 1000000000n;
let ctx = 2;
for (let i = 0; i < 2000 || process.hrtime.bigint() < warmUntil; i++) request(ctx++, false);
if (localReplies) {
  console.error(`vm_profile: the filter answered ${bodyPath} locally (denied): nothing to measure`);
  process.exit(1);
}
// Five blocks; the quickest is reported (the machine's noise only ever adds time).
const BLOCKS = 5;
const per = Math.max(1, Math.ceil(args.requests / BLOCKS));
let best = null;
for (let b = 0; b < BLOCKS; b++) {
  total.fill(0);
  for (const k of Object.keys(hostCalls)) hostCalls[k] = 0;
  for (let i = 0; i < per; i++) request(ctx++, true);
  const sum = total.reduce((a, v) => a + v, 0);
  if (!best || sum < best.sum) best = { sum, steps: Array.from(total), calls: { ...hostCalls } };
}
const us = (ns) => (ns / per / 1000).toFixed(2);
const shown = bodyPath.split('/').pop() + (bodies.length > 1 ? ` and ${bodies.length - 1} more` : '');
if (args.reply) {
  const sizes = [...replyChunks.values()].map((c) => c.reduce((a, b) => a + b.length, 0));
  const kb = sizes.reduce((a, b) => a + b, 0) / sizes.length / 1024;
  const events = [...replyChunks.values()][0].length;
  console.log(`reply: ${args.reply}, ${kb.toFixed(1)} KiB in ${events} chunks; response body ` +
    `${us(best.steps[4])} us per request = ${(best.steps[4] / per / 1000 / kb).toFixed(3)} us per KiB`);
}
console.log(`${shown} (${body.length} B, ${path}): ${us(best.sum)} us per request in the VM` +
  ` (quickest of ${BLOCKS} blocks of ${per})`);
console.log('  ' + STEPS.map((s, i) => `${s} ${us(best.steps[i])}`).join(', '));
console.log('  host calls per request: ' + Object.entries(best.calls)
  .map(([k, v]) => `${k.replace('proxy_', '')} ${(v / per).toFixed(2)}`).join(', '));
