// Finds the items a node rejects inside a batch it refused: halve, resend each half in order,
// recurse into the halves that fail, until single items remain. Order is kept (left half before
// right half), so the items that do apply reach the node in log order. Pure: the request is an
// injected function that resolves to success or the node's deterministic error (transient
// failures are retried inside it and never reach this module).

export interface Rejection<T, E> {
  readonly item: T;
  readonly error: E;
}

export type AttemptResult<E> = { readonly ok: true } | { readonly ok: false; readonly error: E };

export interface BisectResult<T, E> {
  /** Items the node rejected alone, with its error, in item order. */
  readonly rejected: Rejection<T, E>[];
  /** Requests sent while bisecting. */
  readonly attempts: number;
}

/**
 * `items` already failed as a whole with `error`. Sends the halves through `attempt` and returns
 * the items that fail alone. With k bad items among n, it sends at most about 2·k·log2(n) requests.
 */
export async function bisectRejected<T, E>(
  items: readonly T[],
  error: E,
  attempt: (items: readonly T[]) => Promise<AttemptResult<E>>,
): Promise<BisectResult<T, E>> {
  const rejected: Rejection<T, E>[] = [];
  let attempts = 0;

  const visit = async (slice: readonly T[], failure: E): Promise<void> => {
    if (slice.length === 1) {
      rejected.push({ item: slice[0] as T, error: failure });
      return;
    }
    const middle = Math.ceil(slice.length / 2);
    for (const half of [slice.slice(0, middle), slice.slice(middle)]) {
      attempts += 1;
      const result = await attempt(half);
      if (!result.ok) await visit(half, result.error);
    }
  };

  if (items.length > 0) await visit(items, error);
  return { rejected, attempts };
}
