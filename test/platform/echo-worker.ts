// A module worker for test/platform/module-worker.test.ts: imports the library (TypeScript under
// tsx), answers each message with its data and the message, doubled.
import { workerPort } from '../../src/platform/index.js';
import { fromArray } from '../../src/ops/creation.js';

const port = workerPort()!;
port.onMessage((m) => {
  const n = (m as { n: number }).n;
  const doubled = fromArray([n], [1]).mul(2).item();
  port.post({ data: port.data, doubled });
});
