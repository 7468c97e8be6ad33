/** The timestamps layer: times, their orders, path summaries and antichains. */
export { Timestamp, checkDepth } from './timestamp.js';
export { productOrder, lexicographicOrder, orderByName, compareTotal, OrderName, type TimestampOrder } from './order.js';
export { PathSummary } from './summary.js';
export { Antichain } from './antichain.js';
export { MutableAntichain } from './mutable-antichain.js';
export { TimestampError, TimestampErrorCode, CodedError, describe } from './errors.js';
