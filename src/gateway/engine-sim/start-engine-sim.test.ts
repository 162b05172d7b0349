import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI, { BadRequestError, NotFoundError } from 'openai';
import { startEngineSim, type EngineSim } from './start-engine-sim.ts';

// The official SDK, unmodified but for baseURL and apiKey, against the stand-in.
let sim: EngineSim;
let client: OpenAI;
const MODEL = 'sim-llama-3-8b';

before(async () => {
  sim = await startEngineSim({ models: [MODEL, 'sim-embed'], timeToFirstTokenMs: 5, tokensPerSecond: 2000, apiKey: 'sk-sim' });
  client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sk-sim', maxRetries: 0 });
});
after(() => sim.close());

test('chat completion: text, finish_reason length, usage; the same prompt gives the same text', async () => {
  const messages = [{ role: 'user' as const, content: 'Describe the pump maintenance plan in one paragraph.' }];
  const completion = await client.chat.completions.create({ model: MODEL, messages, max_tokens: 12 });
  assert.match(completion.id, /^chatcmpl-[0-9a-f]{32}$/);
  assert.equal(completion.object, 'chat.completion');
  assert.equal(completion.model, MODEL);
  const choice = completion.choices[0];
  assert.equal(choice?.message.role, 'assistant');
  assert.equal(choice?.finish_reason, 'length');
  assert.match(choice?.message.content ?? '', /^[A-Z][a-z]+( [a-z]+|[.,]| [A-Z][a-z]+)+$/);
  assert.deepEqual(completion.usage, { prompt_tokens: Math.ceil(messages[0]!.content.length / 4), completion_tokens: 12, total_tokens: Math.ceil(messages[0]!.content.length / 4) + 12 });
  const again = await client.chat.completions.create({ model: MODEL, messages, max_tokens: 12 });
  assert.equal(again.choices[0]?.message.content, choice?.message.content);
  assert.notEqual(again.id, completion.id);

  // Without max_tokens the model "ends by itself" after maxTokensDefault tokens: finish_reason stop.
  const natural = await client.chat.completions.create({ model: MODEL, messages });
  assert.equal(natural.choices[0]?.finish_reason, 'stop');
  assert.equal(natural.usage?.completion_tokens, 64);
});

test('streamed chat: role chunk, one token per chunk, finish_reason on the last, usage chunk with empty choices', async () => {
  const stream = await client.chat.completions.create({
    model: MODEL,
    messages: [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: [{ type: 'text', text: 'Summarise the invoice.' }] }],
    max_tokens: 20,
    stream: true,
    stream_options: { include_usage: true },
  });
  const chunks: OpenAI.ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  assert.equal(chunks.length, 1 + 20 + 1);
  assert.ok(chunks.every((chunk) => chunk.object === 'chat.completion.chunk' && chunk.id === chunks[0]?.id && chunk.model === MODEL));
  assert.deepEqual(chunks[0]?.choices[0]?.delta, { role: 'assistant', content: '' });
  const tokens = chunks.slice(1, 21);
  assert.ok(tokens.every((chunk) => typeof chunk.choices[0]?.delta.content === 'string' && chunk.choices[0].delta.content.length > 0));
  assert.ok(tokens.slice(0, -1).every((chunk) => chunk.choices[0]?.finish_reason === null));
  assert.equal(tokens.at(-1)?.choices[0]?.finish_reason, 'length');
  const usage = chunks.at(-1);
  assert.deepEqual(usage?.choices, []);
  assert.equal(usage?.usage?.completion_tokens, 20);
  assert.equal(usage?.usage?.prompt_tokens, Math.ceil(('You are terse.'.length + 'Summarise the invoice.'.length) / 4));

  // Not asked: no usage chunk (vLLM's default).
  const plain = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 3, stream: true });
  const plainChunks: OpenAI.ChatCompletionChunk[] = [];
  for await (const chunk of plain) plainChunks.push(chunk);
  assert.equal(plainChunks.length, 4);
  assert.ok(plainChunks.every((chunk) => chunk.usage === undefined || chunk.usage === null));
});

test('a stop string ends the text before it with finish_reason stop', async () => {
  const full = await client.completions.create({ model: MODEL, prompt: 'Write about energy.', max_tokens: 40 });
  const text = full.choices[0]?.text ?? '';
  const words = text.split(' ');
  const stop = ` ${words[5]}`;
  const cut = await client.completions.create({ model: MODEL, prompt: 'Write about energy.', max_tokens: 40, stop: [stop] });
  assert.equal(cut.choices[0]?.finish_reason, 'stop');
  assert.equal(cut.choices[0]?.text, text.slice(0, text.indexOf(stop)));
  assert.ok((cut.usage?.completion_tokens ?? 0) < 40);
});

test('text completions, plain and streamed', async () => {
  const completion = await client.completions.create({ model: MODEL, prompt: 'The factory', max_tokens: 5 });
  assert.equal(completion.object, 'text_completion');
  assert.match(completion.id, /^cmpl-/);
  assert.equal(completion.choices[0]?.finish_reason, 'length');
  assert.equal(completion.usage?.completion_tokens, 5);
  const stream = await client.completions.create({ model: MODEL, prompt: 'The factory', max_tokens: 5, stream: true, stream_options: { include_usage: true } });
  let text = '';
  let usage = null;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.text ?? '';
    if (chunk.usage) usage = chunk.usage;
  }
  assert.equal(text, completion.choices[0]?.text);
  assert.equal(usage?.total_tokens, completion.usage?.total_tokens);
});

test('embeddings: deterministic unit vectors, float and base64 (the SDK default), dimensions, usage', async () => {
  const input = ['pump pressure sensor report', 'pump pressure sensor check', 'quarterly invoice totals'];
  const decoded = await client.embeddings.create({ model: 'sim-embed', input });
  const floats = await client.embeddings.create({ model: 'sim-embed', input, encoding_format: 'float' });
  assert.equal(decoded.data.length, 3);
  const vectors = decoded.data.map((item) => Array.from(item.embedding));
  for (const [index, vector] of vectors.entries()) {
    assert.equal(vector.length, 384);
    assert.ok(Math.abs(Math.hypot(...vector) - 1) < 1e-5);
    assert.deepEqual(vector, floats.data[index]?.embedding, 'base64 and float encode the same float32 values');
  }
  const cosine = (a: number[], b: number[]): number => a.reduce((sum, value, index) => sum + value * (b[index] ?? 0), 0);
  assert.ok(cosine(vectors[0]!, vectors[1]!) > cosine(vectors[0]!, vectors[2]!) + 0.3, 'texts that share words are closer');
  assert.equal(decoded.usage.prompt_tokens, input.reduce((sum, text) => sum + Math.ceil(text.length / 4), 0));
  const small = await client.embeddings.create({ model: 'sim-embed', input: 'one', dimensions: 16, encoding_format: 'float' });
  assert.equal(small.data[0]?.embedding.length, 16);
});

test('models are listed', async () => {
  const models = [];
  for await (const model of client.models.list()) models.push(model);
  assert.deepEqual(models.map((model) => [model.id, model.object, model.owned_by]), [[MODEL, 'model', 'vllm'], ['sim-embed', 'model', 'vllm']]);
});

test('errors surface as the SDK error classes, in the OpenAI shape', async () => {
  await assert.rejects(client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }), (error: unknown) => {
    assert.ok(error instanceof NotFoundError);
    assert.equal(error.status, 404);
    assert.equal(error.param, 'model');
    assert.match(error.message, /The model `no-such-model` does not exist/);
    return true;
  });
  await assert.rejects(client.chat.completions.create({ model: MODEL, messages: [] }), (error: unknown) => error instanceof BadRequestError && error.param === 'messages');
  await assert.rejects(client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }], max_tokens: 0 }), BadRequestError);
  const anonymous = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'wrong', maxRetries: 0 });
  await assert.rejects(anonymous.models.list(), (error: unknown) => error instanceof OpenAI.AuthenticationError);
});

test('max_tokens and max_completion_tokens beyond the context length are a 400, as vLLM answers, never a 500', async () => {
  const messages = [{ role: 'user' as const, content: 'hello' }];
  for (const field of ['max_tokens', 'max_completion_tokens'] as const) {
    for (const [value, stream] of [[1e15, false], [1e15, true], [8193, false]] as const) {
      await assert.rejects(client.chat.completions.create({ model: MODEL, messages, [field]: value, stream }), (error: unknown) => {
        assert.ok(error instanceof BadRequestError, `${field}: ${value}: ${String(error)}`);
        assert.equal(error.param, field);
        assert.match(error.message, new RegExp(`'${field}' is too large: ${value}\\. This model's maximum context length is 8192 tokens\\.$`));
        return true;
      });
    }
    await assert.rejects(client.completions.create({ model: MODEL, prompt: 'x', [field]: 1e15 }), BadRequestError);
  }
  await assert.rejects(client.chat.completions.create({ model: MODEL, messages, max_tokens: 1.5 }), (error: unknown) => error instanceof BadRequestError && error.param === 'max_tokens');
  // The whole context is fine (the stream starts; no need to wait for 8192 tokens).
  const fits = await client.chat.completions.create({ model: MODEL, messages, max_tokens: 8192, stream: true });
  fits.controller.abort();
  const models = await client.models.list();
  assert.equal((models.data[0] as unknown as { max_model_len: number }).max_model_len, 8192);
});

test('raw validation errors: bad JSON, missing model, stream_options without stream, wrong method, unknown path', async () => {
  const post = (path: string, body: string) => fetch(`${sim.url}${path}`, { method: 'POST', headers: { authorization: 'Bearer sk-sim', 'content-type': 'application/json' }, body });
  const cases: Array<[Response, number, string | null]> = [
    [await post('/v1/chat/completions', '{"model":'), 400, null],
    [await post('/v1/chat/completions', JSON.stringify({ messages: [{ role: 'user', content: 'x' }] })), 400, 'model'],
    [await post('/v1/completions', JSON.stringify({ model: MODEL })), 400, 'prompt'],
    [await post('/v1/completions', JSON.stringify({ model: MODEL, prompt: 'x', stream_options: { include_usage: true } })), 400, 'stream_options'],
    [await post('/v1/embeddings', JSON.stringify({ model: MODEL, input: 'x', dimensions: 10_000 })), 400, 'dimensions'],
    [await fetch(`${sim.url}/v1/chat/completions`, { headers: { authorization: 'Bearer sk-sim' } }), 405, null],
    [await fetch(`${sim.url}/v2/nothing`), 404, null],
  ];
  for (const [response, status, param] of cases) {
    assert.equal(response.status, status);
    assert.match(response.headers.get('content-type') ?? '', /application\/json/);
    const body = (await response.json()) as { error: { message: string; type: string; param: string | null; code: number } };
    assert.equal(typeof body.error.message, 'string');
    assert.equal(body.error.param, param);
    assert.equal(body.error.code, status);
    assert.match(body.error.type, /Error$/);
  }
});

test('/health answers 200 with an empty body, like vLLM', async () => {
  const response = await fetch(`${sim.url}/health`);
  assert.equal(response.status, 200);
  assert.equal(await response.text(), '');
});

test('reportUsage: always streams usage unasked, never reports none; continuous_usage_stats counts up', async () => {
  const always = await startEngineSim({ reportUsage: 'always', timeToFirstTokenMs: 0, tokensPerSecond: 0 });
  const never = await startEngineSim({ reportUsage: 'never', timeToFirstTokenMs: 0, tokensPerSecond: 0 });
  try {
    const request = (sim: EngineSim, body: Record<string, unknown>) =>
      fetch(`${sim.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'count' }], max_tokens: 3, ...body }) }).then((response) => response.text());
    const events = (text: string) => text.split('\n\n').filter((event) => event.startsWith('data: {')).map((event) => JSON.parse(event.slice(6)) as { choices: unknown[]; usage?: { completion_tokens: number } });
    assert.equal(events(await request(always, { stream: true })).at(-1)?.usage?.completion_tokens, 3);
    assert.ok(events(await request(never, { stream: true, stream_options: { include_usage: true } })).every((event) => event.usage === undefined));
    assert.equal((JSON.parse(await request(never, {})) as { usage?: unknown }).usage, undefined);
    const continuous = events(await request(always, { stream: true, stream_options: { include_usage: true, continuous_usage_stats: true } }));
    assert.deepEqual(continuous.filter((event) => event.choices.length > 0 && event.usage !== undefined).map((event) => event.usage?.completion_tokens), [1, 2, 3]);
  } finally {
    await Promise.all([always.close(), never.close()]);
  }
});

test('options are validated with errors that name them', async () => {
  await assert.rejects(startEngineSim({ models: [] }), /models must be a non-empty list/);
  await assert.rejects(startEngineSim({ tokensPerSecond: -1 }), /tokensPerSecond must be a number from 0/);
  await assert.rejects(startEngineSim({ maxTokensDefault: 1.5 }), /maxTokensDefault must be an integer/);
});
