// The live fleet: agents from etcd (polled), deploy the current plan to the selected ones, release them.
import RocketLaunchIcon from '@mui/icons-material/RocketLaunch';
import StopCircleOutlinedIcon from '@mui/icons-material/StopCircleOutlined';
import {
  Alert,
  Box,
  Button,
  Checkbox,
  Chip,
  FormControlLabel,
  Paper,
  Switch,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  TextField,
  Tooltip,
  Typography,
} from '@mui/material';
import { useState } from 'react';

import { type RunResults, api, describeFailure } from './api';
import type { Agent } from './contract';
import { usePolling } from './polling';

const STATE_COLORS: Record<Agent['state'], 'success' | 'warning' | 'error'> = { idle: 'success', running: 'warning', error: 'error' };

export interface DeployTarget {
  name: string;
  saved: boolean;
  hasJourneys: boolean;
}

// Why an agent cannot take the plan now, or null when it can.
function notSelectable(agent: Agent, target: DeployTarget | null): string | null {
  if (agent.state === 'running') return `busy: running ${agent.plan || 'a plan'}; release it first`;
  if (agent.state === 'error') return `in error: ${agent.message || 'see its log'}; release it to reset`;
  if (agent.state !== 'idle') return `state ${agent.state}`;
  if (target?.hasJourneys && !(agent.capabilities ?? []).includes('browser'))
    return 'no browser (Chromium) on this agent, and the plan has journeys';
  return null;
}

function since(startedAt: string | undefined): string {
  if (startedAt === undefined) return '';
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(startedAt)) / 1000));
  if (seconds < 90) return `${seconds} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}

export function AgentsPanel({ target }: { target: DeployTarget | null }) {
  const { data, error } = usePolling(api.agents, 2000);
  const agents = data?.agents ?? [];
  const [selected, setSelected] = useState<string[]>([]);
  const [processes, setProcesses] = useState('0');
  const [outcome, setOutcome] = useState<{ severity: 'success' | 'error'; lines: string[] } | null>(null);
  const [busy, setBusy] = useState(false);
  // Elastic: the deploy names a selector, and agents that register later and match it join the run.
  const [elastic, setElastic] = useState(false);
  const [selector, setSelector] = useState('all');
  const running = data?.elastic ?? null;
  const selectable = agents.filter((agent) => notSelectable(agent, target) === null).map((agent) => agent.id);
  // An agent that is no longer idle leaves the selection, while rendering: a deploy never goes to a busy one.
  const selectableIds = selectable.join();
  const [checkedAgainst, setCheckedAgainst] = useState(selectableIds);
  if (selectableIds !== checkedAgainst) {
    setCheckedAgainst(selectableIds);
    setSelected(selected.filter((id) => selectable.includes(id)));
  }

  const act = async (work: () => Promise<{ results: RunResults }>) => {
    setBusy(true);
    try {
      const entries = Object.entries((await work()).results);
      const failed = entries.filter(([, item]) => !item.ok);
      setOutcome({ severity: failed.length ? 'error' : 'success', lines: entries.map(([id, item]) => `${id}: ${item.message}`) });
    } catch (failure) {
      setOutcome({ severity: 'error', lines: [describeFailure(failure)] });
    } finally {
      setBusy(false);
    }
  };
  const deployBlocked = !target
    ? 'open a plan first'
    : !target.saved
      ? 'save the plan first: agents run the saved version'
      : elastic
        ? selector.trim() === ''
          ? 'name the agents: all, or labels such as zone=eu'
          : null
        : selected.length === 0
          ? 'select idle agents'
          : null;
  const processCount = Number(processes);
  const deployTo = elastic ? `agents matching ${selector.trim()}` : `${selected.length} agent${selected.length === 1 ? '' : 's'}`;

  return (
    <Paper variant="outlined" sx={{ p: 2, mb: 2 }} component="section" aria-label="Agents">
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 2, mb: 1.5, flexWrap: 'wrap' }}>
        <Typography variant="h6" sx={{ fontSize: 17, flex: 1 }}>
          Agents <Typography component="span" color="text.secondary">({agents.length} live)</Typography>
        </Typography>
        <TextField
          label="Processes per agent"
          value={processes}
          onChange={(event) => setProcesses(event.target.value)}
          error={!Number.isInteger(processCount) || processCount < 0}
          helperText="0: one per core"
          sx={{ width: 160 }}
          inputProps={{ inputMode: 'numeric', 'data-path': 'processes' }}
        />
        <Tooltip title="Agents that register during the run and match the selector join it, and take their share of the users and the target rate">
          <FormControlLabel control={<Switch checked={elastic} onChange={(event) => setElastic(event.target.checked)} />} label="Elastic" />
        </Tooltip>
        {elastic && (
          <TextField
            label="Agents matching"
            value={selector}
            onChange={(event) => setSelector(event.target.value)}
            helperText="all, or labels: zone=eu,tier=large"
            sx={{ width: 220 }}
            inputProps={{ 'data-path': 'agents' }}
          />
        )}
        <Tooltip title={deployBlocked ?? ''}>
          <span>
            <Button
              variant="contained"
              startIcon={<RocketLaunchIcon />}
              disabled={Boolean(deployBlocked) || busy || !Number.isInteger(processCount)}
              onClick={() => target && act(() => api.deploy(target.name, elastic ? selector.trim() : selected, processCount, elastic))}
            >
              Deploy {target?.name ?? ''} to {deployTo}
            </Button>
          </span>
        </Tooltip>
        <Button
          color="error"
          variant="outlined"
          startIcon={<StopCircleOutlinedIcon />}
          disabled={busy || !agents.some((agent) => agent.state !== 'idle')}
          onClick={() => act(() => api.release('all'))}
        >
          Release all
        </Button>
      </Box>
      {(error || data?.unavailable) && (
        <Alert severity="warning" sx={{ mb: 1 }}>
          {data?.unavailable || error}: the list may be stale; the master keeps retrying etcd.
        </Alert>
      )}
      {running && (
        <Alert severity="info" sx={{ mb: 1 }} role="status" aria-label="Elastic run">
          Elastic run {running.runId} of {running.plan}: agents matching <code>{running.selector}</code> join as they register
          ({running.taken.length} taken so far). <em>Release all</em> ends it.
        </Alert>
      )}
      {outcome && (
        <Alert severity={outcome.severity} onClose={() => setOutcome(null)} sx={{ mb: 1 }} role="status">
          {outcome.lines.map((line) => (
            <div key={line}>{line}</div>
          ))}
        </Alert>
      )}
      <Table size="small" aria-label="Agents table">
        <TableHead>
          <TableRow>
            <TableCell padding="checkbox">
              <Checkbox
                inputProps={{ 'aria-label': 'Select every idle agent' }}
                checked={selectable.length > 0 && selected.length === selectable.length}
                indeterminate={selected.length > 0 && selected.length < selectable.length}
                onChange={(event) => setSelected(event.target.checked ? selectable : [])}
              />
            </TableCell>
            {['Agent', 'Address', 'Cores', 'Memory', 'Capabilities', 'State', 'Plan', 'Locust workers', 'Up', ''].map((title) => (
              <TableCell key={title}>{title}</TableCell>
            ))}
          </TableRow>
        </TableHead>
        <TableBody>
          {agents.length === 0 && (
            <TableRow>
              <TableCell colSpan={11}>
                <Typography color="text.secondary">
                  No agents yet. Start one on a load machine: <code>locust-fleet-agent --etcd http://ETCD:2379</code>
                </Typography>
              </TableCell>
            </TableRow>
          )}
          {agents.map((agent) => {
            const reason = notSelectable(agent, target);
            const workers = agent.locustWorkers;
            return (
              <TableRow key={agent.id} hover data-agent={agent.id}>
                <TableCell padding="checkbox">
                  <Tooltip title={reason ?? ''} placement="right">
                    <span>
                      <Checkbox
                        inputProps={{ 'aria-label': `Select ${agent.id}` }}
                        disabled={reason !== null}
                        checked={selected.includes(agent.id)}
                        onChange={(event) =>
                          setSelected(event.target.checked ? [...selected, agent.id] : selected.filter((id) => id !== agent.id))
                        }
                      />
                    </span>
                  </Tooltip>
                </TableCell>
                <TableCell>
                  <Typography variant="body2" sx={{ fontWeight: 500 }}>
                    {agent.id}
                  </Typography>
                  <Typography variant="caption" color="text.secondary">
                    {agent.hostname}
                  </Typography>
                  {Object.entries(agent.labels ?? {}).map(([key, value]) => (
                    <Chip key={key} size="small" variant="outlined" label={`${key}=${value}`} sx={{ ml: 0.5 }} data-label />
                  ))}
                </TableCell>
                <TableCell sx={{ fontFamily: 'monospace', fontSize: 12 }}>{agent.address}</TableCell>
                <TableCell>{agent.cpus}</TableCell>
                <TableCell>{agent.memoryMb ? `${(agent.memoryMb / 1024).toFixed(1)} GiB` : ''}</TableCell>
                <TableCell>
                  {(agent.capabilities ?? []).map((capability) => (
                    <Chip key={capability} size="small" label={capability} sx={{ mr: 0.5 }} />
                  ))}
                </TableCell>
                <TableCell>
                  <Chip size="small" label={agent.state} color={STATE_COLORS[agent.state]} variant="outlined" />
                  {reason && (
                    <Typography variant="caption" display="block" color="text.secondary" sx={{ maxWidth: 220 }} data-reason>
                      {reason}
                    </Typography>
                  )}
                </TableCell>
                <TableCell>{agent.plan || '–'}</TableCell>
                <TableCell>
                  {workers.length === 0 ? '–' : `${workers.length} (${[...new Set(workers.map((worker) => worker.state))].join(', ')})`}
                </TableCell>
                <TableCell>{since(agent.startedAt)}</TableCell>
                <TableCell>
                  {agent.state !== 'idle' && (
                    <Button size="small" color="error" disabled={busy} onClick={() => act(() => api.release([agent.id]))} aria-label={`Release ${agent.id}`}>
                      Release
                    </Button>
                  )}
                </TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
    </Paper>
  );
}
