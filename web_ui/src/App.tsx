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
import { ImportDialog } from './ImportDialog';
import { ImportMarksContext, PlanImportWarnings } from './importWarnings';
import { PlanBuilder } from './PlanBuilder';
import { PlansPanel } from './PlansPanel';
import { RunPanel } from './RunPanel';
import { Runs } from './Runs';
import { ThresholdVerdicts } from './Thresholds';
import { Screenshots } from './Screenshots';
import { TryResult } from './TryResult';
import { type Imported, type Issue, api, describeFailure, locust } from './api';
import type { Plan, TryOutcome } from './contract';
import { ConfirmDialog, NameDialog } from './dialogs';
import { ErrorsContext } from './errors';
import { TextInput } from './fields';
import { type Schema, SchemaContext, field, useSchema } from './schema';
import { type Mode, fleetTheme, storeMode, storedMode } from './theme';
import { type OpenPlan, download, usePlan } from './usePlan';

type View = 'builder' | 'json' | 'try' | 'fleet' | 'runs';

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
  const [view, setView] = useState<View>('builder');
  const [tryOutcome, setTryOutcome] = useState<TryOutcome | null>(null);
  const [trying, setTrying] = useState(false);
  const [importing, setImporting] = useState(false);
  const lifecycle = usePlan({ onShown: () => setTryOutcome(null), onBuilderNeeded: () => setView('builder') });
  const { open, dirty, issues, marks } = lifecycle;

  const tryOnce = async (plan: Plan, reveal = false) => {
    setTrying(true);
    try {
      setTryOutcome(await api.tryOnce(plan, reveal));
      lifecycle.clearIssues();
      setView('try');
    } catch (failure) {
      lifecycle.showIssues(failure);
    } finally {
      setTrying(false);
    }
  };
  const imported = (result: Imported) => {
    setImporting(false);
    lifecycle.openImported(result);
  };

  return (
    <Box sx={{ display: 'flex', flex: 1, minHeight: 0 }}>
      <PlansPanel plans={lifecycle.plans} current={open?.storedName ?? null} actions={{ ...lifecycle.actions, importPlan: () => setImporting(true) }} />
      <Box component="main" sx={{ flex: 1, minWidth: 0, display: 'flex', flexDirection: 'column' }}>
        {open ? (
          <ErrorsContext.Provider value={issues}>
            <PlanHeader
              open={open}
              dirty={dirty}
              trying={trying}
              onRename={(name) => lifecycle.edit({ ...open.plan, name })}
              onSave={lifecycle.save}
              onTry={() => tryOnce(open.plan)}
              onExport={() => download(open.plan.name, open.plan)}
            />
            <Tabs value={view} onChange={(_, value: View) => setView(value)} sx={{ px: 2, borderBottom: 1, borderColor: 'divider', minHeight: 40 }}>
              <Tab value="builder" label="Builder" sx={{ minHeight: 40 }} />
              <Tab value="json" label="JSON" sx={{ minHeight: 40 }} />
              <Tab value="try" label={tryOutcome ? `Try result ${tryOutcome.ok ? '✓' : '✗'}` : 'Try result'} sx={{ minHeight: 40 }} />
              <Tab value="fleet" label="Agents & run" sx={{ minHeight: 40 }} />
              <Tab value="runs" label="Runs" sx={{ minHeight: 40 }} />
            </Tabs>
            <Box sx={{ flex: 1, overflow: 'auto', p: 2 }}>
              <IssueSummary issues={issues} />
              <ImportMarksContext.Provider value={{ marks, dismiss: lifecycle.dismissStepWarnings }}>
                <PlanImportWarnings plan={open.plan} onDismiss={lifecycle.dismissWarnings} />
                {view === 'builder' && <PlanBuilder plan={open.plan} onChange={lifecycle.edit} />}
              </ImportMarksContext.Provider>
              {view === 'json' && (
                <Box component="pre" sx={{ m: 0, fontSize: 12, bgcolor: 'action.hover', p: 2, borderRadius: 1 }} aria-label="Plan JSON">
                  {JSON.stringify(open.plan, null, 2)}
                </Box>
              )}
              {view === 'try' &&
                (tryOutcome ? <TryResult outcome={tryOutcome} onReveal={() => tryOnce(open.plan, true)} /> : <Typography color="text.secondary">Press Try once to run every step once from the master.</Typography>)}
              {view === 'fleet' && <FleetAndRun open={open} dirty={dirty} />}
              {view === 'runs' &&
                (open.storedName === null ? (
                  <Alert severity="info">Save the plan: its runs are kept under its name.</Alert>
                ) : (
                  <Runs key={open.storedName} plan={open.storedName} />
                ))}
            </Box>
          </ErrorsContext.Provider>
        ) : (
          <Box sx={{ p: 2, overflow: 'auto' }}>
            <Typography color="text.secondary" sx={{ mb: 2 }}>
              Open a saved plan, create one, or import requests from Postman, JMeter, a HAR recording or a cURL command.
            </Typography>
            <FleetAndRun open={null} dirty={false} />
          </Box>
        )}
      </Box>
      <ImportDialog open={importing} onClose={() => setImporting(false)} onImported={imported} />
      <ConfirmDialog confirmation={lifecycle.confirmation} onClose={lifecycle.closeConfirmation} />
      <NameDialog request={lifecycle.nameRequest} onClose={lifecycle.closeNameRequest} />
      <Snackbar
        open={Boolean(lifecycle.message)}
        autoHideDuration={5000}
        onClose={lifecycle.dismissMessage}
        message={lifecycle.message}
        anchorOrigin={{ vertical: 'bottom', horizontal: 'center' }}
      />
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
    const element = document.querySelector<HTMLElement>(`[data-path="${CSS.escape(path)}"]`);
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
      <ThresholdVerdicts />
      {target?.saved && <Calibration key={target.name} plan={target.name} calibrates={Boolean(open?.plan.load?.calibrate)} />}
      <Screenshots />
    </>
  );
}
