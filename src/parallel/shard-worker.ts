/**
 * A shard worker of sharded reading (`mailwire read --threads N`): a ShardCore (shard-core.ts) fed
 * with the batches of records the main thread sends; it acknowledges each batch with the buffer, the
 * frames at which it created connections and its events, and sends rendered conversations when it
 * gets their global ids. See docs/architecture.md, "The threaded path".
 */
import { parentPort, workerData } from 'node:worker_threads';
import { useRunKey } from '../model/secrets.js';
import { ShardCore } from './shard-core.js';
import type { FromWorker, ToWorker, WorkerSettings } from './protocol.js';

const port = parentPort!;
const settings = workerData as WorkerSettings;
useRunKey(settings.runKey);
const core = new ShardCore(settings);

function post(m: FromWorker, transfer?: ArrayBuffer[]): void {
  port.postMessage(m, transfer ?? []);
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function handle(m: ToWorker): void {
  switch (m.type) {
    case 'input':
      core.startInput(m.name);
      return;
    case 'secrets':
      core.secrets(m.text);
      return;
    case 'batch': {
      if (settings.testDelayMs) sleep(settings.testDelayMs);
      core.out = { created: [], events: [] };
      core.batch(m.buffer, m.length);
      post({ type: 'ack', seq: m.seq, buffer: m.buffer, created: core.out.created, events: core.out.events }, [m.buffer]);
      return;
    }
    case 'ids': {
      const { results, texts } = core.renderWaiting(m.pairs);
      post({ type: 'rendered', results, texts }, [texts]);
      return;
    }
    case 'end': {
      core.out = { created: [], events: [] };
      const { tcp, undissected } = core.end();
      post({ type: 'ended', events: core.out.events, tcp, undissected });
      return;
    }
  }
}

port.on('message', (m: ToWorker) => {
  try {
    handle(m);
  } catch (err) {
    post({ type: 'error', message: err instanceof Error ? err.message.split('\n')[0]! : String(err) });
  }
});
