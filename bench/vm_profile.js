#!/usr/bin/env node
// The filter's own cost per request, VM side only: runs the wasm module in Node's V8 behind a
// minimal proxy-wasm host (every host call answered from memory, no Envoy), drives N requests
// through the callbacks Envoy would call, and prints the mean time of each callback and the
// host calls made per request. What Envoy adds (its side of each host call, the wasm<->host
// transitions of its V8 embedding, the copies) is what `make bench` measures minus this.
//
//   node bench/vm_profile.js WASM BODY.json[,BODY.json...] [--path P] [--requests N] [--policy FILE|JSON]
//        [--reply json|sse] [--reply-kb K] [--chunk B] [--cpu-time] [--memory [--json]]
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
//
// --memory: instead of times, the memory each callback touches (no timing is reported: the
// snapshots are slow). Before each callback the VM's linear memory is copied, after it
// compared: the 64-byte lines and 4 KiB pages whose bytes changed (the host's copies into the
// module's memory count, as Envoy makes the same ones), per callback and their union over the
// request (a line written in two callbacks counts once), the memory's size and growth, and,
// with a module built with the `alloc-stats` feature (`make bench-memory` builds one), the
// heap allocations made in each callback. A write of the value already there is not seen:
// the figures are a lower bound. --requests is then the measured requests (default 64),
// after a warm-up of 200 and two of each body; --json adds one JSON line of the figures.
// Exits 1 when the policy does not load or a request is answered locally (a deny would be
// measured instead of the inspection).
'use strict';
const fs = require('fs');

function parseArgs(argv) {
  const a = { rest: [], path: null, requests: 5000, policy: '{}', reply: null, replyKb: 16, chunk: 0,
    cpuTime: false, memory: false, json: false, requestsGiven: false };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i];
    if (v === '--path') a.path = argv[++i];
    else if (v === '--requests') { a.requests = parseInt(argv[++i], 10); a.requestsGiven = true; }
    else if (v === '--policy') a.policy = argv[++i];
    else if (v === '--reply') a.reply = argv[++i];
    else if (v === '--reply-kb') a.replyKb = parseFloat(argv[++i]);
    else if (v === '--chunk') a.chunk = parseInt(argv[++i], 10);
    else if (v === '--cpu-time') a.cpuTime = true;
    else if (v === '--memory') a.memory = true;
    else if (v === '--json') a.json = true;
    else a.rest.push(v);
  }
  if (a.rest.length !== 2 || !(a.requests > 0)) {
    console.error('usage: node bench/vm_profile.js WASM BODY.json[,BODY.json...] [--path P] [--requests N] [--policy FILE|JSON]');
    process.exit(2);
  }
  if (a.memory && !a.requestsGiven) a.requests = 64;
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
function request(ctx, timed, probe) {
  let t0 = clock();
  const lap = (i) => {
    const t = clock();
    if (timed) total[i] += Number(t - t0);
    t0 = t;
    if (probe) probe.step(i);
  };
  if (probe) probe.begin();
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
  if (probe) probe.end();
}

// ---------------------------------------------------------------- --memory
const PAGE = 4096;
const LINE = 64;
const WASM_PAGE = 65536;
// Lines and pages of `mem` that differ from `snap` (as long as `mem` or longer: memory only
// grows, and grown memory starts zeroed, as the snapshot's tail is), and the lines by region:
// below `data.start` the stack (Rust's wasm32 layout puts it first, growing down), then the
// static data, then the heap (and .bss). The changed pages are copied into `snap`, so that it
// is a snapshot again, and each changed line and page is marked in `seen` (one byte per line)
// and `seenPages`, the request's union.
function written(snap, mem, data, seen, seenPages) {
  let lines = 0;
  let pages = 0;
  const region = { stack: 0, data: 0, heap: 0 };
  for (let p = 0; p < mem.length; p += PAGE) {
    const a = snap.subarray(p, p + PAGE);
    const b = mem.subarray(p, p + PAGE);
    if (Buffer.compare(a, b) === 0) continue;
    pages++;
    seenPages[p / PAGE] = 1;
    for (let l = 0; l < b.length; l += LINE) {
      if (Buffer.compare(a.subarray(l, l + LINE), b.subarray(l, l + LINE)) === 0) continue;
      lines++;
      seen[(p + l) / LINE] = 1;
      const at = p + l;
      region[at < data.start ? 'stack' : at < data.end ? 'data' : 'heap']++;
    }
    a.set(b);
  }
  return { lines, pages, ...region };
}
// `snap` grown (zeros) to `n` bytes.
function grown(snap, n) {
  if (snap.length >= n) return snap;
  const s = new Uint8Array(n);
  s.set(snap);
  return s;
}
// The `alloc-stats` build's counters (src/filter/alloc_stats.rs), or null.
const ALLOC_KEYS = ['allocs', 'reallocs', 'frees', 'bytes', 'live', 'peak'];
function allocStats() {
  if (typeof x.ocf_alloc_stat !== 'function') return null;
  const o = {};
  ALLOC_KEYS.forEach((k, i) => { o[k] = x.ocf_alloc_stat(i); });
  return o;
}
// The module's data segments (its static data, in linear memory): their bytes, and where
// the active ones start and end (i32.const offsets).
function staticData(buf) {
  let i = 8;
  const leb = () => {
    let v = 0;
    let shift = 0;
    for (;;) {
      const b = buf[i++];
      v += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (b < 0x80) return v;
    }
  };
  const out = { bytes: 0, start: Infinity, end: 0 };
  while (i < buf.length) {
    const id = buf[i++];
    const size = leb();
    const end = i + size;
    if (id === 11) {
      for (let n = leb(); n > 0; n--) {
        const flags = leb();
        if (flags === 2) leb();
        let at = null;
        if (flags !== 1) {
          if (buf[i] === 0x41) { i++; at = leb(); }
          while (buf[i] !== 0x0b) i++;
          i++;
        }
        const len = leb();
        out.bytes += len;
        if (at !== null) { out.start = Math.min(out.start, at); out.end = Math.max(out.end, at + len); }
        i += len;
      }
      break;
    }
    i = end;
  }
  if (out.start === Infinity) out.start = 0;
  return out;
}
// The fixed tables the detection pass consults per byte or per word, sized from the constants
// of src/detect/anchors.rs (null when the source is not beside this script or changed shape).
function passTables() {
  const src = require('path').join(__dirname, '..', 'src', 'detect', 'anchors.rs');
  if (!fs.existsSync(src)) return null;
  const t = fs.readFileSync(src, 'utf8');
  const num = (re) => { const m = t.match(re); return m ? Number(m[1].replace(/_/g, '')) : null; };
  const log2 = (name) => num(new RegExp(`const ${name}: u32 = (\\d+);`));
  const triBits = num(/const TRI_BITS: usize = 1 << (\d+);/);
  const pairBits = num(/pair_bits: \[u64; (\d+) \/ 64\]/);
  const otherPairs = num(/other_pairs = vec!\[0u64; (\d+) \/ 64\]/);
  const stop = num(/stop: Box<\[u8; (\d+)\]>/);
  const otherFirst = num(/other_first = vec!\[false; (\d+)\]/);
  const rows = [
    ['start_bits (every letter-run start)', log2('START_LOG') === null ? null : 2 ** log2('START_LOG') / 8],
    ['quad_bits (a start that hits)', log2('QUAD_LOG') === null ? null : 2 ** log2('QUAD_LOG') / 8],
    ['pair_bits (a start that hits)', pairBits === null ? null : pairBits / 8],
    ['stop (every stop byte)', stop],
    ['other_first (every stop byte)', otherFirst],
    ['other_pairs (a stop byte that starts a literal)', otherPairs === null ? null : otherPairs / 8],
    ['generic_tri (every identifier)', triBits === null ? null : 2 ** triBits / 8],
  ];
  return rows.some(([, v]) => v === null) ? null : rows;
}

function memoryRun() {
  const mem = () => new Uint8Array(x.memory.buffer);
  // Warm-up: every body twice at least, so that the heap has reached its steady state.
  let c = 2;
  for (let i = 0; i < Math.max(200, 2 * bodies.length); i++) request(c++, false);
  if (localReplies) {
    console.error(`vm_profile: the filter answered ${bodyPath} locally (denied): nothing to measure`);
    process.exit(1);
  }
  const startSize = x.memory.buffer.byteLength;
  const n = args.requests;
  const data = staticData(fs.readFileSync(wasmPath));
  const sum = STEPS.map(() => ({ lines: 0, pages: 0, stack: 0, data: 0, heap: 0, allocs: 0, reallocs: 0, bytes: 0 }));
  const req = { lines: 0, pages: 0, stack: 0, data: 0, heap: 0, peak: 0, maxPeak: 0 };
  let snap = new Uint8Array(0);
  let seen = new Uint8Array(0);
  let seenPages = new Uint8Array(0);
  let before = null;
  let live0 = 0;
  const probe = {
    begin() {
      const m = mem();
      snap = grown(snap, m.length);
      snap.set(m);
      seen = grown(seen, m.length / LINE);
      seen.fill(0);
      seenPages = grown(seenPages, m.length / PAGE);
      seenPages.fill(0);
      before = allocStats();
      if (before) { x.ocf_alloc_stat_reset_peak(); live0 = before.live; }
    },
    step(i) {
      const m = mem();
      snap = grown(snap, m.length);
      seen = grown(seen, m.length / LINE);
      seenPages = grown(seenPages, m.length / PAGE);
      const w = written(snap, m, data, seen, seenPages);
      for (const k of ['lines', 'pages', 'stack', 'data', 'heap']) sum[i][k] += w[k];
      const after = allocStats();
      if (after) {
        sum[i].allocs += after.allocs - before.allocs;
        sum[i].reallocs += after.reallocs - before.reallocs;
        sum[i].bytes += after.bytes - before.bytes;
        before = after;
      }
    },
    end() {
      let n = 0;
      for (let l = 0; l < seen.length; l++) {
        if (!seen[l]) continue;
        n++;
        const at = l * LINE;
        req[at < data.start ? 'stack' : at < data.end ? 'data' : 'heap']++;
      }
      req.lines += n;
      req.pages += seenPages.reduce((a, v) => a + v, 0);
      if (before) {
        const peak = before.peak - live0;
        req.peak += peak;
        req.maxPeak = Math.max(req.maxPeak, peak);
      }
    },
  };
  for (let i = 0; i < n; i++) request(c++, false, probe);
  const endSize = x.memory.buffer.byteLength;
  const alloc = allocStats() !== null;
  const per = (v) => v / n;
  const kib = (b) => (b / 1024).toFixed(1);
  const shown = bodyPath.split('/').pop() + (bodies.length > 1 ? ` and ${bodies.length - 1} more` : '');
  const rows = STEPS.map((s, i) => ({ step: s, lines: per(sum[i].lines), pages: per(sum[i].pages),
    stack: per(sum[i].stack), data: per(sum[i].data), heap: per(sum[i].heap),
    allocs: alloc ? per(sum[i].allocs) : null, reallocs: alloc ? per(sum[i].reallocs) : null,
    alloc_kib: alloc ? per(sum[i].bytes) / 1024 : null }));
  const all = rows.reduce((a, r) => ({ lines: a.lines + r.lines, pages: a.pages + r.pages,
    stack: a.stack + r.stack, data: a.data + r.data, heap: a.heap + r.heap,
    allocs: a.allocs + (r.allocs || 0), reallocs: a.reallocs + (r.reallocs || 0),
    alloc_kib: a.alloc_kib + (r.alloc_kib || 0) }),
  { lines: 0, pages: 0, stack: 0, data: 0, heap: 0, allocs: 0, reallocs: 0, alloc_kib: 0 });
  const tables = passTables();
  console.log(`${shown} (${body.length} B, ${path}): memory written per request, mean of ${n} ` +
    `requests (64 B lines, 4 KiB pages${alloc ? '; heap allocations from the alloc-stats build' : ''})`);
  const pad = (v, w) => String(v).padStart(w);
  const f1 = (v) => (v === null ? '-' : v.toFixed(1));
  console.log(`  ${'callback'.padEnd(18)}${pad('lines', 9)}${pad('KiB', 8)}${pad('pages', 8)}` +
    `${pad('stack', 8)}${pad('data', 7)}${pad('heap', 9)}` +
    (alloc ? `${pad('allocs', 9)}${pad('reallocs', 10)}${pad('alloc KiB', 11)}` : ''));
  for (const r of [...rows, { step: 'sum', ...all }]) {
    console.log(`  ${r.step.padEnd(18)}${pad(f1(r.lines), 9)}${pad(kib(r.lines * LINE), 8)}${pad(f1(r.pages), 8)}` +
      `${pad(f1(r.stack), 8)}${pad(f1(r.data), 7)}${pad(f1(r.heap), 9)}` +
      (alloc ? `${pad(f1(r.allocs), 9)}${pad(f1(r.reallocs), 10)}${pad(f1(r.alloc_kib), 11)}` : ''));
  }
  console.log(`  ${'request (union)'.padEnd(18)}${pad(f1(per(req.lines)), 9)}${pad(kib(per(req.lines) * LINE), 8)}` +
    `${pad(f1(per(req.pages)), 8)}${pad(f1(per(req.stack)), 8)}${pad(f1(per(req.data)), 7)}${pad(f1(per(req.heap)), 9)}` + (alloc ? `   heap peak over the request's start: mean ${kib(per(req.peak))} KiB, max ${kib(req.maxPeak)} KiB` : ''));
  console.log(`  linear memory: ${kib(startSize)} KiB (${startSize / WASM_PAGE} wasm pages) after the warm-up, ` +
    `${endSize > startSize ? '+' + kib(endSize - startSize) + ' KiB' : 'no growth'} over the measured requests; ` +
    `static data ${kib(data.bytes)} KiB at ${kib(data.start)} KiB (the stack below it)`);
  if (tables) {
    console.log(`  tables the detection pass consults (src/detect/anchors.rs): ` +
      tables.map(([k, v]) => `${k} ${v} B`).join(', ') +
      `; ${kib(tables.reduce((a, [, v]) => a + v, 0))} KiB in all`);
  }
  if (args.json) {
    console.log(JSON.stringify({ memory: { body: bodyPath.split('/').pop().replace(/\.json$/, ''),
      bytes: body.length, requests: n, alloc_stats: alloc, steps: rows, sum: all,
      request: { lines: per(req.lines), pages: per(req.pages), stack: per(req.stack), data: per(req.data),
        heap: per(req.heap), heap_peak_kib: alloc ? per(req.peak) / 1024 : null },
      linear_memory: { start: startSize, end: endSize }, static_data: data.bytes,
      tables: tables ? Object.fromEntries(tables) : null } }));
  }
}

if (args.memory) {
  memoryRun();
  process.exit(0);
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
