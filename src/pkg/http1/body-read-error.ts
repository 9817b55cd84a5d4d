/**
 * A request body that could not be read to its end (cut short, broken chunking), with
 * Go's words for it, which etcd echoes as a cause (Invalid POST form).
 */
export class BodyReadError extends Error {}
