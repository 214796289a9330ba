/** JSON pointers (RFC 6901) as issues and findings carry them: `""` is the document root. */

/** Appends reference tokens to a pointer, escaping `~` and `/` as RFC 6901 requires. */
export function appendPointer(base: string, ...tokens: Array<string | number>): string {
  let pointer = base;
  for (const token of tokens) {
    pointer += '/' + String(token).replaceAll('~', '~0').replaceAll('/', '~1');
  }
  return pointer;
}

/**
 * A total order on pointers that reads naturally: token by token, array indexes numerically
 * (`/nodes/2` before `/nodes/10`) and before names, names by code unit, a parent before its
 * children. Independent of locale and of the order anything was found in.
 */
export function comparePointers(a: string, b: string): number {
  if (a === b) return 0;
  const left = a.split('/');
  const right = b.split('/');
  const length = Math.min(left.length, right.length);
  for (let index = 0; index < length; index++) {
    const order = compareTokens(left[index]!, right[index]!);
    if (order !== 0) return order;
  }
  return left.length - right.length;
}

const INDEX = /^(0|[1-9][0-9]*)$/;

function compareTokens(a: string, b: string): number {
  if (a === b) return 0;
  const aIndex = INDEX.test(a);
  const bIndex = INDEX.test(b);
  if (aIndex && bIndex) return Number(a) - Number(b) || (a < b ? -1 : 1);
  if (aIndex !== bIndex) return aIndex ? -1 : 1;
  return a < b ? -1 : 1;
}
