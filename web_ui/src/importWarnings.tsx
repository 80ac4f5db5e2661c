// Import warnings placed on the steps they concern. The API names a step by its plan path (`tasks[0].steps[2]`);
// when the plan opens the page keeps each step's warnings by the step's stable key (lists.keyOf), so a mark
// follows its step when it is moved or edited, and goes with it when it is deleted.
import { Alert } from '@mui/material';
import { createContext, useContext } from 'react';

import type { HttpStep, ImportWarning, Plan } from './contract';
import { join } from './errors';
import { keyOf } from './lists';

// A step of the plan as the builder shows it: in the setup or in a task, numbered from 1.
export interface PlanStep {
  path: string;
  // The setup, or a task (by its index: two tasks may share a name).
  group: string;
  groupTitle: string;
  number: number;
  step: HttpStep;
}

export function planSteps(plan: Plan): PlanStep[] {
  const setup = (plan.setup ?? []).map((step, index) => ({ path: join('setup', index), group: 'setup', groupTitle: 'Setup', number: index + 1, step }));
  const tasks = (plan.tasks ?? []).flatMap((task, taskIndex) => {
    const group = join('tasks', taskIndex);
    return (task.steps ?? []).map((step, index) => ({ path: join(join(group, 'steps'), index), group, groupTitle: `Task ${task.name}`, number: index + 1, step }));
  });
  return [...setup, ...tasks];
}

// The name the builder shows for a step: its own, or (as the Name field's placeholder) its method and URL.
export function stepName(step: HttpStep): string {
  return step.name || requestLine(step);
}

export function requestLine(step: HttpStep): string {
  return `${step.method ?? 'GET'} ${step.url ?? ''}`.trim();
}

// How a person finds the step: "Task main, step 2: Login".
export function stepLabel(place: PlanStep): string {
  const where = place.group === 'setup' ? 'Setup step' : `${place.groupTitle}, step`;
  return `${where} ${place.number}: ${stepName(place.step)}`;
}

export interface WarnedStep extends PlanStep {
  messages: string[];
}

export interface PlacedWarnings {
  // About the whole plan (and, with its path, about a step the plan does not have).
  plan: string[];
  // In the plan's order.
  steps: WarnedStep[];
}

export function placeWarnings(plan: Plan, warnings: ImportWarning[]): PlacedWarnings {
  const steps = planSteps(plan);
  const known = new Set(steps.map((place) => place.path));
  const general = warnings.filter((warning) => !known.has(warning.step));
  return {
    plan: general.map((warning) => (warning.step ? `${warning.step}: ${warning.message}` : warning.message)),
    steps: steps
      .map((place) => ({ ...place, messages: warnings.filter((warning) => warning.step === place.path).map((warning) => warning.message) }))
      .filter((place) => place.messages.length > 0),
  };
}

// What the open plan shows of its import: the plan's own warnings, and each step's by the step's key.
export interface ImportMarks {
  plan: string[];
  steps: ReadonlyMap<string, string[]>;
}

export const NO_MARKS: ImportMarks = { plan: [], steps: new Map() };

export function importMarks(plan: Plan, warnings: ImportWarning[]): ImportMarks {
  const placed = placeWarnings(plan, warnings);
  return { plan: placed.plan, steps: new Map(placed.steps.map((place) => [keyOf(place.step), place.messages])) };
}

export function withoutStep(marks: ImportMarks, key: string): ImportMarks {
  const steps = new Map(marks.steps);
  steps.delete(key);
  return { ...marks, steps };
}

export const ImportMarksContext = createContext<{ marks: ImportMarks; dismiss: (key: string) => void }>({ marks: NO_MARKS, dismiss: () => undefined });

// The mark on a step: what its import did not carry over, until dismissed.
export function StepImportWarnings({ step }: { step: object }) {
  const { marks, dismiss } = useContext(ImportMarksContext);
  const key = keyOf(step);
  const messages = marks.steps.get(key) ?? [];
  if (messages.length === 0) return null;
  return (
    <Alert severity="warning" role="note" aria-label="Import warnings" closeText="Dismiss import warnings" onClose={() => dismiss(key)} sx={{ mx: 1, mb: 1, py: 0 }}>
      {messages.map((message, index) => (
        <div key={message}>
          {index === 0 && <strong>{messages.length === 1 ? 'Import warning: ' : 'Import warnings: '}</strong>}
          {message}
        </div>
      ))}
    </Alert>
  );
}

// Above the builder: the warnings about the whole plan, and how many steps are marked.
export function PlanImportWarnings({ plan, onDismiss }: { plan: Plan; onDismiss: () => void }) {
  const { marks } = useContext(ImportMarksContext);
  const marked = planSteps(plan).filter((place) => marks.steps.has(keyOf(place.step))).length;
  if (marks.plan.length === 0 && marked === 0) return null;
  return (
    <Alert severity="warning" onClose={onDismiss} closeText="Dismiss all import warnings" sx={{ mb: 2 }} aria-label="Import warnings for the plan">
      {marks.plan.map((message) => (
        <div key={message}>{message}</div>
      ))}
      {marked > 0 && <div>{marked === 1 ? 'One step has' : `${marked} steps have`} import warnings: they are marked on the steps below.</div>}
    </Alert>
  );
}
