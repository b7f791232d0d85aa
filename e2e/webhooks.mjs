// Sends deliveries signed by the standardwebhooks library to a reef hook:
// a fresh one (accepted), its replay (acknowledged once), a bad signature
// and a stale timestamp (both 401). Env: REEF_HOOK_URL, REEF_HOOK_SECRET.
// Prints a JSON summary; exits non-zero on any unexpected answer.
import { Webhook } from "standardwebhooks";
import assert from "node:assert/strict";

const url = process.env.REEF_HOOK_URL;
const wh = new Webhook(process.env.REEF_HOOK_SECRET);
const other = new Webhook("whsec_" + Buffer.from("some other secret").toString("base64"));

async function deliver(signer, id, when, payload) {
  const body = JSON.stringify(payload);
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-source": "standardwebhooks",
      "webhook-id": id,
      "webhook-timestamp": String(Math.floor(when.getTime() / 1000)),
      "webhook-signature": signer.sign(id, when, body),
    },
    body,
  });
  return { status: res.status, body: await res.json() };
}

const id = "msg_" + Math.random().toString(36).slice(2);
const payload = { invoice: "in_42", status: "paid" };
const now = new Date();

const first = await deliver(wh, id, now, payload);
assert.equal(first.status, 202, JSON.stringify(first));
const replay = await deliver(wh, id, new Date(now.getTime() + 1000), payload);
assert.ok(replay.status >= 200 && replay.status < 300, JSON.stringify(replay));
assert.equal(replay.body.event_id, first.body.event_id);
assert.equal(replay.body.duplicate, true);
const badSig = await deliver(other, "msg_bad_" + id, now, payload);
assert.equal(badSig.status, 401, JSON.stringify(badSig));
const stale = await deliver(wh, "msg_stale_" + id, new Date(now.getTime() - 10 * 60 * 1000), payload);
assert.equal(stale.status, 401, JSON.stringify(stale));

console.log(JSON.stringify({ id, event_id: first.body.event_id, replay: replay.status, bad_signature: badSig.status, stale: stale.status }));
