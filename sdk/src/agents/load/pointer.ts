/** JSON pointers (RFC 6901) for the loader's issues: `""` is the document root. */
export function pointerOf(tokens: ReadonlyArray<string | number>): string {
  let pointer = '';
  for (const token of tokens) pointer += '/' + escapeToken(String(token));
  return pointer;
}

export function childPointer(base: string, ...tokens: Array<string | number>): string {
  return base + pointerOf(tokens);
}

function escapeToken(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}
