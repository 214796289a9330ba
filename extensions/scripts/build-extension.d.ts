/** Type-checks, bundles and (with `signed`) packs and signs the extension in `packageDir`, one build at a time. */
export function buildExtension(packageDir: string, options?: { signed?: boolean }): Promise<void>;
