/** iterate: runs a body in a new loop, feeding its result back each iteration and out of the loop. */
import type { LoopScope } from '../scope.js';
import type { Stream } from '../stream.js';

export interface IterateOptions {
  /** Name of the loop scope. */
  readonly name?: string;
  /** The body runs at iterations 0 … maxIterations-1 at most. */
  readonly maxIterations?: number;
}

/**
 * The body sees the input (at iteration 0) merged with its own result from the previous iteration,
 * and its result at every iteration also leaves the loop.
 */
export function iterate<T>(stream: Stream<T>, body: (variable: Stream<T>, loop: LoopScope) => Stream<T>, options: IterateOptions = {}): Stream<T> {
  const { loop, result } = feedbackLoop(stream, body, options);
  return loop.leave(result);
}

/**
 * A loop around `body`: its variable is `stream` entered (round 0) merged with the body's result fed
 * back from the round before. Returns the loop, the variable and the result, still inside the loop.
 */
export function feedbackLoop<T>(stream: Stream<T>, body: (variable: Stream<T>, loop: LoopScope) => Stream<T>, options: IterateOptions = {}): { loop: LoopScope; variable: Stream<T>; result: Stream<T> } {
  const loop = stream.scope.loop(options.name);
  const feedback = loop.feedback<T>(options.maxIterations === undefined ? {} : { maxIterations: options.maxIterations });
  const variable = loop.enter(stream).concat(feedback.stream);
  const result = body(variable, loop);
  feedback.connect(result);
  return { loop, variable, result };
}
