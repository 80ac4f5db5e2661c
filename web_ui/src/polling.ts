import { useEffect, useRef, useState } from 'react';

// Calls `load` now and every `intervalMs` while the component is shown; keeps the last answer through errors.
export function usePolling<T>(load: () => Promise<T>, intervalMs: number): { data: T | null; error: string; refresh: () => void } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState('');
  const [tick, setTick] = useState(0);
  const loader = useRef(load);
  useEffect(() => {
    loader.current = load;
  });
  useEffect(() => {
    let live = true;
    let timer: number | undefined;
    const run = async () => {
      try {
        const answer = await loader.current();
        if (live) {
          setData(answer);
          setError('');
        }
      } catch (failure) {
        if (live) setError((failure as Error).message);
      }
      if (live) timer = window.setTimeout(run, intervalMs);
    };
    run();
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [intervalMs, tick]);
  return { data, error, refresh: () => setTick((value) => value + 1) };
}
