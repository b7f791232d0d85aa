// Drives reef's OpenAI-compatible API with the official openai client:
// models.list, a completion, a streamed completion with usage, and an
// unknown model. Env: REEF_URL, REEF_TOKEN, REEF_CLAW. Prints a JSON
// summary; exits non-zero on any unexpected answer.
import OpenAI from "openai";
import assert from "node:assert/strict";

const client = new OpenAI({ baseURL: process.env.REEF_URL + "/v1", apiKey: process.env.REEF_TOKEN, maxRetries: 0 });
const model = process.env.REEF_CLAW;

const models = [];
for await (const m of client.models.list()) models.push(m.id);
assert.ok(models.includes(model), `models ${models}`);
const one = await client.models.retrieve(model);
assert.equal(one.id, model);

const completion = await client.chat.completions.create({
  model,
  user: "e2e-user",
  messages: [{ role: "user", content: "hello from the openai client" }],
});
assert.equal(completion.object, "chat.completion");
const reply = completion.choices[0].message.content;

const stream = await client.chat.completions.create({
  model,
  stream: true,
  stream_options: { include_usage: true },
  messages: [{ role: "user", content: "stream this please" }],
});
let streamed = "";
let chunks = 0;
let usage = null;
for await (const chunk of stream) {
  assert.equal(chunk.object, "chat.completion.chunk");
  if (chunk.usage) usage = chunk.usage;
  const delta = chunk.choices[0]?.delta?.content;
  if (delta) {
    streamed += delta;
    chunks++;
  }
}
assert.ok(usage && usage.total_tokens > 0, `usage ${JSON.stringify(usage)}`);

// The streaming helper of the client, which checks the chunks' shape.
const runner = client.chat.completions.stream({ model, messages: [{ role: "user", content: "once more" }] });
const final = await runner.finalChatCompletion();

let notFound = 0;
try {
  await client.chat.completions.create({ model: "no-such-claw", messages: [{ role: "user", content: "x" }] });
} catch (e) {
  assert.ok(e instanceof OpenAI.NotFoundError, String(e));
  notFound = e.status;
}

console.log(JSON.stringify({ models, reply, streamed, chunks, usage, final: final.choices[0].message.content, not_found: notFound }));
