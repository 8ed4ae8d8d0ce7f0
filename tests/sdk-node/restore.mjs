// Drives the official OpenAI Node SDK through Envoy for tests/e2e/test_restore.py: chat
// completions, Responses and completions, streamed (each placeholder cut across events at the
// given offsets) and not, against the echoing mock (tests/mock_echo.py). Prints one JSON
// object with what the SDK handed the application, field by field; the Python side asserts.
//
//   node tests/sdk-node/restore.mjs '{"baseURL": "...", "apiKey": "...", "prompt": "...", "split": "3"}'
import OpenAI from 'openai';

const spec = JSON.parse(process.argv[2]);
const client = new OpenAI({ baseURL: spec.baseURL, apiKey: spec.apiKey, maxRetries: 0, timeout: 60000 });
const echo = { headers: { 'x-mock-echo': '1' } };
const split = { headers: { 'x-mock-echo': '1', 'x-mock-split': spec.split } };
const messages = [{ role: 'user', content: spec.prompt }];
const out = {};

const chat = await client.chat.completions.create({ model: 'gpt-4o-mini', messages }, echo);
out.chat = {
  content: chat.choices[0].message.content,
  arguments: chat.choices[0].message.tool_calls[0].function.arguments,
  refusal: chat.choices[1].message.refusal,
  transcript: chat.choices[2].message.audio.transcript,
};

const s = { content: '', arguments: '', refusal: '', transcript: '' };
for await (const chunk of await client.chat.completions.create(
  { model: 'gpt-4o-mini', messages, stream: true }, split)) {
  for (const ch of chunk.choices) {
    const d = ch.delta;
    if (ch.index === 0) s.content += d.content ?? '';
    if (ch.index === 1) s.refusal += d.refusal ?? '';
    for (const tc of d.tool_calls ?? []) s.arguments += tc.function?.arguments ?? '';
    s.transcript += d.audio?.transcript ?? '';
  }
}
out.chatStream = s;

const r = await client.responses.create({ model: 'gpt-4o-mini', input: spec.prompt }, echo);
out.responses = {
  content: r.output_text,
  summary: r.output[0].summary[0].text,
  refusal: r.output[1].content[1].refusal,
  arguments: r.output[2].arguments,
};

const deltas = {};
const done = {};
for await (const ev of await client.responses.create(
  { model: 'gpt-4o-mini', input: spec.prompt, stream: true }, split)) {
  if (ev.type.endsWith('.delta')) deltas[ev.type] = (deltas[ev.type] ?? '') + ev.delta;
  if (ev.type === 'response.output_text.done') done.content = ev.text;
  if (ev.type === 'response.function_call_arguments.done') done.arguments = ev.arguments;
  if (ev.type === 'response.completed') done.completed = ev.response.output[1].content[0].text;
}
out.responsesStream = {
  content: deltas['response.output_text.delta'],
  summary: deltas['response.reasoning_summary_text.delta'],
  refusal: deltas['response.refusal.delta'],
  arguments: deltas['response.function_call_arguments.delta'],
  doneContent: done.content,
  doneArguments: done.arguments,
  completed: done.completed,
};

let text = '';
for await (const chunk of await client.completions.create(
  { model: 'gpt-3.5-turbo-instruct', prompt: spec.prompt, stream: true }, split)) {
  text += chunk.choices[0]?.text ?? '';
}
out.completionsStream = text;

console.log(JSON.stringify(out));
