/** Checks run in forms before anything is sent; each returns a message or null. */

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export const MIN_PASSWORD_LENGTH = 12;

export function requiredText(value: string, what: string): string | null {
  return value.trim() ? null : `Enter ${what}.`;
}

export function email(value: string): string | null {
  if (!value.trim()) return 'Enter an email address.';
  return EMAIL.test(value.trim()) ? null : 'Enter an email address like name@example.com.';
}

export function password(value: string): string | null {
  return value.length >= MIN_PASSWORD_LENGTH
    ? null
    : `Use at least ${MIN_PASSWORD_LENGTH} characters for the password.`;
}

export function httpUrl(value: string, what = 'a URL'): string | null {
  try {
    const url = new URL(value.trim());
    return url.protocol === 'http:' || url.protocol === 'https:'
      ? null
      : `Enter ${what} starting with https://.`;
  } catch {
    return `Enter ${what} starting with https://.`;
  }
}
