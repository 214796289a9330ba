import { onMounted, ref, shallowRef, watch, type Ref, type WatchSource } from 'vue';
import { isForbidden, problemMessage } from '../api/problem';

export interface Resource<T> {
  data: Ref<T | undefined>;
  loading: Ref<boolean>;
  /** The problem's message in words, or null. */
  error: Ref<string | null>;
  /** The server refused with 403: show the "not allowed" state, not an error. */
  forbidden: Ref<boolean>;
  reload: () => Promise<void>;
}

/**
 * Data a view loads from the API, with its loading, error and forbidden states. Loads when
 * the view mounts and whenever `sources` change; a slower earlier answer never overwrites a
 * newer one.
 */
export function useResource<T>(load: () => Promise<T>, sources: WatchSource[] = []): Resource<T> {
  const data = shallowRef<T>();
  const loading = ref(true);
  const error = ref<string | null>(null);
  const forbidden = ref(false);
  let generation = 0;

  async function reload(): Promise<void> {
    const mine = ++generation;
    loading.value = true;
    try {
      const value = await load();
      if (mine !== generation) return;
      data.value = value;
      error.value = null;
      forbidden.value = false;
    } catch (failure) {
      if (mine !== generation) return;
      forbidden.value = isForbidden(failure);
      error.value = problemMessage(failure);
    } finally {
      if (mine === generation) loading.value = false;
    }
  }

  onMounted(reload);
  if (sources.length > 0) watch(sources, reload);
  return { data: data as Ref<T | undefined>, loading, error, forbidden, reload };
}
