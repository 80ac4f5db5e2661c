// The open plan's lifecycle: the saved plans, open (and ?plan= in the URL), unsaved changes, save with the
// revision it was loaded at, create, import, duplicate, rename, export, delete; and what it asks or tells.
import { useCallback, useEffect, useRef, useState } from 'react';

import { ApiError, type Imported, type Issue, type PlanSummary, api, describeFailure } from './api';
import type { Plan } from './contract';
import type { Confirmation, NameRequest } from './dialogs';
import { type ImportMarks, NO_MARKS, importMarks, withoutStep } from './importWarnings';
import type { PlanActions } from './PlansPanel';

export interface OpenPlan {
  storedName: string | null;
  plan: Plan;
  revision: number;
  saved: string;
}

export interface PlanEvents {
  // Another plan (or none) is shown: what the page kept of the last one is stale.
  onShown: () => void;
  // The builder has something to show: a new plan, or problems the API found.
  onBuilderNeeded: () => void;
}

function blankPlan(name: string): Plan {
  return { name, host: 'http://127.0.0.1:8080', tasks: [{ name: 'main', steps: [{ url: '/' }] }] };
}

function freeName(base: string, taken: string[]): string {
  if (!taken.includes(base)) return base;
  let counter = 2;
  while (taken.includes(`${base}-${counter}`)) counter += 1;
  return `${base}-${counter}`;
}

export function download(name: string, plan: Plan) {
  const url = URL.createObjectURL(new Blob([JSON.stringify(plan, null, 2)], { type: 'application/json' }));
  const anchor = Object.assign(document.createElement('a'), { href: url, download: `${name}.json` });
  anchor.click();
  window.setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function planFromQuery(): string | null {
  return new URLSearchParams(window.location.search).get('plan');
}

function rememberPlan(name: string | null) {
  const url = new URL(window.location.href);
  if (name) url.searchParams.set('plan', name);
  else url.searchParams.delete('plan');
  window.history.replaceState(null, '', url);
}

export function usePlan(events: PlanEvents) {
  const [plans, setPlans] = useState<PlanSummary[]>([]);
  const [open, setOpen] = useState<OpenPlan | null>(null);
  const [issues, setIssues] = useState<Issue[]>([]);
  // What the import of the open plan did not carry over, on the steps it concerns, until dismissed.
  const [marks, setMarks] = useState<ImportMarks>(NO_MARKS);
  const [message, setMessage] = useState('');
  const [confirmation, setConfirmation] = useState<Confirmation | null>(null);
  const [nameRequest, setNameRequest] = useState<NameRequest | null>(null);
  const dirty = open !== null && JSON.stringify(open.plan) !== open.saved;
  const taken = plans.map((plan) => plan.name);

  // The latest callbacks, so that loading (which the first render starts) does not depend on their identity.
  const latestEvents = useRef(events);
  useEffect(() => {
    latestEvents.current = events;
  });

  const refreshPlans = useCallback(() => api.plans().then(setPlans, (failure) => setMessage(describeFailure(failure))), []);
  const show = useCallback((next: OpenPlan | null) => {
    setOpen(next);
    setIssues([]);
    setMarks(NO_MARKS);
    latestEvents.current.onShown();
    rememberPlan(next?.storedName ?? null);
  }, []);
  const load = useCallback(
    async (name: string) => {
      try {
        const stored = await api.plan(name);
        show({ storedName: name, plan: stored.plan, revision: stored.revision, saved: JSON.stringify(stored.plan) });
      } catch (failure) {
        setMessage(describeFailure(failure));
        rememberPlan(null);
      }
    },
    [show],
  );
  useEffect(() => {
    refreshPlans();
    const wanted = planFromQuery();
    if (wanted) load(wanted);
  }, [refreshPlans, load]);
  useEffect(() => {
    const warn = (event: BeforeUnloadEvent) => {
      if (dirty) event.preventDefault();
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  // Leaving unsaved changes is a choice the person makes, never an accident.
  const guard = (action: () => void) => {
    if (!open || !dirty) return action();
    setConfirmation({ title: 'Discard unsaved changes?', text: `${open.plan.name} has changes that are not saved.`, confirm: 'Discard', danger: true, onConfirm: action });
  };
  const showIssues = (failure: unknown) => {
    if (failure instanceof ApiError && failure.issues.length) {
      setIssues(failure.issues);
      latestEvents.current.onBuilderNeeded();
    }
    setMessage(describeFailure(failure));
  };

  const saveAt = async (current: OpenPlan, revision: number | null) => {
    try {
      const stored = await api.savePlan(current.plan.name, current.plan, revision);
      const saved = JSON.stringify(stored.plan);
      // The plan stored as sent keeps the objects the editors are keyed by, and so what each step shows.
      const plan = saved === JSON.stringify(current.plan) ? current.plan : stored.plan;
      setOpen({ storedName: current.plan.name, plan, revision: stored.revision, saved });
      rememberPlan(current.plan.name);
      setIssues([]);
      setMessage(`Saved ${current.plan.name} (revision ${stored.revision})`);
      refreshPlans();
    } catch (failure) {
      if (failure instanceof ApiError && failure.status === 412) {
        setConfirmation({
          title: 'Someone else saved this plan',
          text: `${failure.message}. Reload to see their version (your changes are lost), or overwrite theirs with yours.`,
          confirm: 'Overwrite theirs',
          danger: true,
          onConfirm: () => saveAt(current, failure.revision),
          alternative: { label: 'Reload theirs', onSelect: () => load(current.plan.name) },
        });
        return;
      }
      showIssues(failure);
    }
  };
  const saveCopy = async (plan: Plan, thenDelete: string | null) => {
    try {
      await api.savePlan(plan.name, plan, 0);
      if (thenDelete) await api.deletePlan(thenDelete);
      await refreshPlans();
      await load(plan.name);
    } catch (failure) {
      setMessage(describeFailure(failure));
    }
  };
  const showNew = (plan: Plan) => {
    show({ storedName: null, plan, revision: 0, saved: '' });
    latestEvents.current.onBuilderNeeded();
  };

  const actions: Omit<PlanActions, 'importPlan'> = {
    open: (name) => guard(() => load(name)),
    create: () => guard(() => showNew(blankPlan(freeName('new-plan', taken)))),
    duplicate: (name) =>
      setNameRequest({
        title: `Duplicate ${name}`,
        initial: freeName(`${name}-copy`, taken),
        confirm: 'Duplicate',
        taken,
        onName: async (copy) => saveCopy({ ...(await api.plan(name)).plan, name: copy }, null),
      }),
    rename: (name) =>
      guard(() =>
        setNameRequest({
          title: `Rename ${name}`,
          initial: name,
          confirm: 'Rename',
          taken,
          onName: async (renamed) => saveCopy({ ...(await api.plan(name)).plan, name: renamed }, name),
        }),
      ),
    exportPlan: async (name) => download(name, (await api.plan(name)).plan),
    remove: (name) =>
      setConfirmation({
        title: `Delete ${name}?`,
        text: `The plan ${name} is removed from etcd for everyone. Agents running it keep running until released.`,
        confirm: 'Delete',
        danger: true,
        onConfirm: async () => {
          try {
            await api.deletePlan(name);
            if (open?.storedName === name) show(null);
            refreshPlans();
            setMessage(`Deleted ${name}`);
          } catch (failure) {
            setMessage(describeFailure(failure));
          }
        },
      }),
  };

  return {
    plans,
    open,
    dirty,
    issues,
    marks,
    message,
    confirmation,
    nameRequest,
    actions,
    edit: (plan: Plan) => setOpen((current) => current && { ...current, plan }),
    save: () => {
      if (open) saveAt(open, open.revision);
    },
    openImported: (result: Imported) =>
      guard(() => {
        const plan = { ...result.plan, name: freeName(result.plan.name, taken) };
        showNew(plan);
        // The steps are the objects the builder is keyed by: each step's warnings go with its key.
        setMarks(importMarks(plan, result.warnings));
        setMessage(`Imported ${result.format}: ${plan.name}, not saved yet`);
      }),
    showIssues,
    clearIssues: () => setIssues([]),
    dismissWarnings: () => setMarks(NO_MARKS),
    dismissStepWarnings: (key: string) => setMarks((current) => withoutStep(current, key)),
    dismissMessage: () => setMessage(''),
    closeConfirmation: () => setConfirmation(null),
    closeNameRequest: () => setNameRequest(null),
  };
}
