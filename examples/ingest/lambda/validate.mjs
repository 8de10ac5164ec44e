// The contract's request validation: the SDK's own C++ validator, compiled to wasm (node build),
// so the ingest and the SDK can never disagree on what a valid event is. The glue sits next to
// this file (scripts/build.sh copies it) so the Lambda asset is just this folder.
import factory from './clickstream.node.mjs';

// Instantiated once per process, on first use; the Lambda entry forces that during its init phase.
let loading;

// The node build's imports are storage callbacks the tracker uses; validation never calls them.
const noStorage = { append: () => true, remove() {}, saveState() {} };

/** Resolves to the module, instantiating it on the first call. */
export function loadValidator() {
  loading ??= factory({ csHost: noStorage });
  return loading;
}

/**
 * Validates a request body (bytes, already base64-/gzip-decoded) against the wire contract.
 * Resolves to {status, error, accepted: [event objects], accepted_index: [i], rejected: [{index,
 * error}]}; status is ok | not_json | not_object_or_array | empty | too_many_events | too_large |
 * no_valid_event.
 */
export async function validateRequest(bytes) {
  const m = await loadValidator();
  // The ABI takes (pointer, length): the body needs no NUL terminator and may contain any byte.
  const ptr = m._malloc(Math.max(1, bytes.length));
  try {
    m.HEAPU8.set(bytes, ptr); // read HEAPU8 after _malloc: growing memory replaces the view
    return JSON.parse(m.UTF8ToString(m._cs_validate_request(ptr, bytes.length)));
  } finally {
    m._free(ptr);
  }
}
