// The fleet page: plans on the left; the open plan's builder, JSON, try-once result, and the fleet and run.
import DarkModeIcon from '@mui/icons-material/DarkMode';
import DownloadIcon from '@mui/icons-material/Download';
import LightModeIcon from '@mui/icons-material/LightMode';
import SaveIcon from '@mui/icons-material/Save';
import SendIcon from '@mui/icons-material/Send';
import {
  Alert,
  AppBar,
  Box,
  Button,
  Chip,
  CircularProgress,
  CssBaseline,
  IconButton,
  Link,
  Snackbar,
  Tab,
  Tabs,
  Toolbar,
  Tooltip,
  Typography,
} from '@mui/material';
import { ThemeProvider } from '@mui/material/styles';
import { useEffect, useMemo, useState } from 'react';

import { AgentsPanel } from './AgentsPanel';
import { Calibration } from './Calibration';
import { ImportDialog, type Imported } from './ImportDialog';
import { PlanBuilder, type Plan } from './PlanBuilder';
import { PlansPanel } from './PlansPanel';
import { RunPanel } from './RunPanel';
import { Screenshots } from './Screenshots';
import { TryResult, type TryOutcome } from './TryResult';
import { ApiError, type Issue, type PlanSummary, api, locust } from './api';
import { type Confirmation, ConfirmDialog, NameDialog, type NameRequest } from './dialogs';
import { ErrorsContext } from './errors';
import { TextInput } from './fields';
import { type Schema, SchemaContext, field, useSchema } from './schema';
import { type Mode, fleetTheme, storeMode, storedMode } from './theme';

type View = 'builder' | 'json' | 'try' | 'fleet';

interface OpenPlan {
  storedName: string | null;
  plan: Plan;
  revision: number;
  saved: string;
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

function download(name: string, plan: Plan) {
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

function describeFailure(failure: unknown): string {
  if (failure instanceof ApiError) return failure.path ? `${failure.path}: ${failure.message}` : failure.message;
  return String(failure);
}

export function App() {
  const [mode, setMode] = useState<Mode>(storedMode);
  const theme = useMemo(() => fleetTheme(mode), [mode]);
  const [schema, setSchema] = useState<Schema | null>(null);
  const [loadError, setLoadError] = useState('');
  useEffect(() => {
    api.schema().then(setSchema, (failure) => setLoadError(describeFailure(failure)));
  }, []);
  const toggleMode = () => {
    const next = mode === 'dark' ? 'light' : 'dark';
    storeMode(next);
    setMode(next);
  };
  return (
    <ThemeProvider theme={theme}>
      <CssBaseline />
      <Box sx={{ height: '100vh', display: 'flex', flexDirection: 'column' }}>
        <AppBar position="static" color="inherit" elevation={0} sx={{ borderBottom: 1, borderColor: 'divider' }}>
          <Toolbar variant="dense" sx={{ gap: 2 }}>
            <Typography variant="h6" sx={{ fontWeight: 600 }}>
              <Link href={locust.homeUrl} underline="none" color="primary">
                Locust
              </Link>{' '}
              fleet
            </Typography>
            <Box sx={{ flex: 1 }} />
            <Link href={locust.chartsUrl} underline="hover">
              Locust charts
            </Link>
            <Tooltip title={mode === 'dark' ? 'Light theme' : 'Dark theme'}>
              <IconButton onClick={toggleMode} aria-label="Switch theme">
                {mode === 'dark' ? <LightModeIcon /> : <DarkModeIcon />}
              </IconButton>
            </Tooltip>
          </Toolbar>
        </AppBar>
        {loadError && <Alert severity="error">Cannot load the plan schema from the master: {loadError}</Alert>}
        {!schema && !loadError && <CircularProgress sx={{ m: 'auto' }} />}
        {schema && (
          <SchemaContext.Provider value={schema}>
            <FleetPage />
          </SchemaContext.Provider>
        )}
      </Box>
    </ThemeProvider>
  );
}

function FleetPage() {
  const [plans, setPlans] = useState<PlanSummary[]>([]);
  const [open, setOpen] = useState<OpenPlan | null>(null);
  const [view, setView] = useState<View>('builder');
  const [issues, setIssues] = useState<Issue[]>([]);
  const [warnings, setWarnings] = useState<string[]>([]);
  const [tryOutcome, setTryOutcome] = useState<TryOutcome | null>(null);
  const [trying, setTrying] = useState(false);
  const [message, setMessage] = useState('');
  const [importing, setImporting] = useState(false);
  const [confirmation, setConfirmation] = useState<Confirmation | null>(null);
  const [nameRequest, setNameRequest] = useState<NameRequest | null>(null);
  const dirty = open !== null && JSON.stringify(open.plan) !== open.saved;
  const taken = plans.map((plan) => plan.name);

  const refreshPlans = () => api.plans().then(setPlans, (failure) => setMessage(describeFailure(failure)));
  useEffect(() => {
    refreshPlans();
    const wanted = planFromQuery();
    if (wanted) load(wanted);
  }, []);
  useEffect(() => {
    const warn = (event: BeforeUnloadEvent) => {
      if (dirty) event.preventDefault();
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  const show = (next: OpenPlan | null) => {
    setOpen(next);
    setIssues([]);
    setWarnings([]);
    setTryOutcome(null);
    rememberPlan(next?.storedName ?? null);
  };
  const load = async (name: string) => {
    try {
      const stored = await api.plan(name);
      show({ storedName: name, plan: stored.plan, revision: stored.revision, saved: JSON.stringify(stored.plan) });
    } catch (failure) {
      setMessage(describeFailure(failure));
      rememberPlan(null);
    }
  };
  // Leaving unsaved changes is a choice the person makes, never an accident.
  const guard = (action: () => void) => {
    if (!dirty) return action();
    setConfirmation({ title: 'Discard unsaved changes?', text: `${open!.plan.name} has changes that are not saved.`, confirm: 'Discard', danger: true, onConfirm: action });
  };
  const showIssues = (failure: unknown) => {
    if (failure instanceof ApiError && failure.issues.length) {
      setIssues(failure.issues);
      setView('builder');
    }
    setMessage(describeFailure(failure));
  };

  const save = async (revision: number | null = open!.revision) => {
    const current = open!;
    try {
      const stored = await api.savePlan(current.plan.name, current.plan, revision);
      setOpen({ storedName: current.plan.name, plan: stored.plan, revision: stored.revision, saved: JSON.stringify(stored.plan) });
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
          onConfirm: () => save(failure.body?.revision ?? null),
          alternative: { label: 'Reload theirs', onSelect: () => load(current.plan.name) },
        });
        return;
      }
      showIssues(failure);
    }
  };
  const tryOnce = async (reveal = false) => {
    setTrying(true);
    try {
      setTryOutcome(await api.tryOnce(open!.plan, reveal));
      setIssues([]);
      setView('try');
    } catch (failure) {
      showIssues(failure);
    } finally {
      setTrying(false);
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
  const actions = {
    open: (name: string) => guard(() => load(name)),
    create: () =>
      guard(() => {
        const plan = blankPlan(freeName('new-plan', taken));
        show({ storedName: null, plan, revision: 0, saved: '' });
        setView('builder');
      }),
    importPlan: () => setImporting(true),
    duplicate: (name: string) =>
      setNameRequest({
        title: `Duplicate ${name}`,
        initial: freeName(`${name}-copy`, taken),
        confirm: 'Duplicate',
        taken,
        onName: async (copy) => saveCopy({ ...(await api.plan(name)).plan, name: copy }, null),
      }),
    rename: (name: string) =>
      guard(() =>
        setNameRequest({
          title: `Rename ${name}`,
          initial: name,
          confirm: 'Rename',
          taken,
          onName: async (renamed) => saveCopy({ ...(await api.plan(name)).plan, name: renamed }, name),
        }),
      ),
    exportPlan: async (name: string) => download(name, (await api.plan(name)).plan),
    remove: (name: string) =>
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
  const imported = (result: Imported) => {
    setImporting(false);
    guard(() => {
      const plan = { ...result.plan, name: freeName(result.plan.name, taken) };
      show({ storedName: null, plan, revision: 0, saved: '' });
      setWarnings(result.warnings);
      setView('builder');
      setMessage(`Imported ${result.format}: ${plan.name}, not saved yet`);
    });
  };

  return (
    <Box sx={{ display: 'flex', flex: 1, minHeight: 0 }}>
      <PlansPanel plans={plans} current={open?.storedName ?? null} actions={actions} />
      <Box component="main" sx={{ flex: 1, minWidth: 0, display: 'flex', flexDirection: 'column' }}>
        {open ? (
          <ErrorsContext.Provider value={issues}>
            <PlanHeader
              open={open}
              dirty={dirty}
              trying={trying}
              onRename={(name) => setOpen({ ...open, plan: { ...open.plan, name } })}
              onSave={() => save()}
              onTry={() => tryOnce()}
              onExport={() => download(open.plan.name, open.plan)}
            />
            <Tabs value={view} onChange={(_, value) => setView(value)} sx={{ px: 2, borderBottom: 1, borderColor: 'divider', minHeight: 40 }}>
              <Tab value="builder" label="Builder" sx={{ minHeight: 40 }} />
              <Tab value="json" label="JSON" sx={{ minHeight: 40 }} />
              <Tab value="try" label={tryOutcome ? `Try result ${tryOutcome.ok ? '✓' : '✗'}` : 'Try result'} sx={{ minHeight: 40 }} />
              <Tab value="fleet" label="Agents & run" sx={{ minHeight: 40 }} />
            </Tabs>
            <Box sx={{ flex: 1, overflow: 'auto', p: 2 }}>
              <IssueSummary issues={issues} />
              {warnings.length > 0 && (
                <Alert severity="warning" onClose={() => setWarnings([])} sx={{ mb: 2 }} aria-label="Import warnings">
                  {warnings.map((warning) => (
                    <div key={warning}>{warning}</div>
                  ))}
                </Alert>
              )}
              {view === 'builder' && <PlanBuilder plan={open.plan} onChange={(plan) => setOpen({ ...open, plan })} />}
              {view === 'json' && (
                <Box component="pre" sx={{ m: 0, fontSize: 12, bgcolor: 'action.hover', p: 2, borderRadius: 1 }} aria-label="Plan JSON">
                  {JSON.stringify(open.plan, null, 2)}
                </Box>
              )}
              {view === 'try' &&
                (tryOutcome ? <TryResult outcome={tryOutcome} onReveal={() => tryOnce(true)} /> : <Typography color="text.secondary">Press Try once to run every step once from the master.</Typography>)}
              {view === 'fleet' && <FleetAndRun open={open} dirty={dirty} />}
            </Box>
          </ErrorsContext.Provider>
        ) : (
          <Box sx={{ p: 2, overflow: 'auto' }}>
            <Typography color="text.secondary" sx={{ mb: 2 }}>
              Open a saved plan, create one, or import requests from Postman, a HAR recording or a cURL command.
            </Typography>
            <FleetAndRun open={null} dirty={false} />
          </Box>
        )}
      </Box>
      <ImportDialog open={importing} onClose={() => setImporting(false)} onImported={imported} />
      <ConfirmDialog confirmation={confirmation} onClose={() => setConfirmation(null)} />
      <NameDialog request={nameRequest} onClose={() => setNameRequest(null)} />
      <Snackbar open={Boolean(message)} autoHideDuration={5000} onClose={() => setMessage('')} message={message} anchorOrigin={{ vertical: 'bottom', horizontal: 'center' }} />
    </Box>
  );
}

function PlanHeader({
  open,
  dirty,
  trying,
  onRename,
  onSave,
  onTry,
  onExport,
}: {
  open: OpenPlan;
  dirty: boolean;
  trying: boolean;
  onRename: (name: string) => void;
  onSave: () => void;
  onTry: () => void;
  onExport: () => void;
}) {
  return (
    <Box sx={{ display: 'flex', alignItems: 'center', gap: 1.5, px: 2, pt: 1.5, pb: 1 }}>
      {open.storedName === null ? (
        <PlanNameField name={open.plan.name} onChange={onRename} />
      ) : (
        <Typography variant="h5" sx={{ fontSize: 22 }} data-plan-name={open.plan.name}>
          {open.plan.name}
        </Typography>
      )}
      <Chip size="small" label={open.storedName === null ? 'new' : `revision ${open.revision}`} variant="outlined" data-revision={open.revision} />
      {dirty && <Chip size="small" color="warning" label="unsaved changes" />}
      <Box sx={{ flex: 1 }} />
      <Button startIcon={<DownloadIcon />} onClick={onExport}>
        Export
      </Button>
      <Button variant="outlined" startIcon={trying ? <CircularProgress size={16} /> : <SendIcon />} disabled={trying} onClick={onTry}>
        Try once
      </Button>
      <Button variant="contained" startIcon={<SaveIcon />} disabled={!dirty} onClick={onSave}>
        Save
      </Button>
    </Box>
  );
}

function PlanNameField({ name, onChange }: { name: string; onChange: (name: string) => void }) {
  const info = field(useSchema(), 'Plan', 'name');
  return <TextInput path="name" info={info} label="Plan name" value={name} onChange={onChange} sx={{ width: 320 }} />;
}

function IssueSummary({ issues }: { issues: Issue[] }) {
  if (issues.length === 0) return null;
  const reveal = (path: string) => {
    const element = document.querySelector(`[data-path="${CSS.escape(path)}"]`) as HTMLElement | null;
    element?.scrollIntoView({ block: 'center' });
    element?.focus();
  };
  return (
    <Alert severity="error" sx={{ mb: 2 }} aria-label="Plan problems">
      {issues.length === 1 ? 'The plan has a problem:' : `The plan has ${issues.length} problems:`}
      {issues.map((issue) => (
        <div key={`${issue.path}:${issue.message}`}>
          <Link component="button" onClick={() => reveal(issue.path)} sx={{ fontFamily: 'monospace', verticalAlign: 'baseline' }}>
            {issue.path || 'plan'}
          </Link>{' '}
          {issue.message}
        </div>
      ))}
    </Alert>
  );
}

function FleetAndRun({ open, dirty }: { open: OpenPlan | null; dirty: boolean }) {
  const target = open
    ? { name: open.storedName ?? open.plan.name, saved: open.storedName !== null && !dirty, hasJourneys: (open.plan.journeys ?? []).length > 0 }
    : null;
  return (
    <>
      <AgentsPanel target={target} />
      <RunPanel host={open?.plan.host ?? ''} />
      {target?.saved && <Calibration key={target.name} plan={target.name} calibrates={Boolean(open?.plan.load?.calibrate)} />}
      <Screenshots />
    </>
  );
}
