// Errors from the API land next to the field they name: each editor knows its own path in the plan.
import { createContext, useContext } from 'react';

import type { Issue } from './api';

export const ErrorsContext = createContext<Issue[]>([]);

export function useFieldError(path: string): string | undefined {
  return useContext(ErrorsContext).find((issue) => issue.path === path)?.message;
}

// Errors at `path` or anywhere inside it: a collapsed step or a hidden tab opens itself to show them.
export function useErrorsUnder(path: string): Issue[] {
  return useContext(ErrorsContext).filter(
    (issue) => issue.path === path || issue.path.startsWith(`${path}.`) || issue.path.startsWith(`${path}[`),
  );
}

export function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}
