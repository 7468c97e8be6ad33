import { Worker } from '../src/index.js';

/** Word counts per epoch, read as each epoch completes: the words of batch e are sent at epoch e. */
export function wordCountsByEpoch(batches: string[][]): Map<string, number>[] {
  const worker = new Worker();
  const results: Map<string, number>[] = [];
  const { input, probe } = worker.dataflow((scope) => {
    const input = scope.newInput<string>('words');
    const counts = input.stream.countByKey((word) => word);
    counts.subscribe({
      data: (pairs, time) => pairs.forEach(([word, n]) => (results[time.epoch] ??= new Map()).set(word, n)),
      complete: (time) => (results[time.epoch] ??= new Map()), // also for an epoch without words
    });
    return { input, probe: counts.probe() };
  });
  batches.forEach((words, epoch) => {
    input.send(words);
    if (epoch < batches.length - 1) input.advanceTo(epoch + 1); // no more words at this epoch
    else input.close(); // the last epoch: no more words at all
    worker.stepUntil(() => probe.passed(epoch)); // run until this epoch's counts are complete
    // results[epoch] is final here: read it, print it, act on it.
  });
  worker.run();
  return results;
}
