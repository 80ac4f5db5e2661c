// The run, through Locust itself: the same start and stop as its own buttons, its state, a link to its charts.
import OpenInNewIcon from '@mui/icons-material/OpenInNew';
import PlayArrowIcon from '@mui/icons-material/PlayArrow';
import StopIcon from '@mui/icons-material/Stop';
import { Alert, Box, Button, Chip, Paper, TextField, Typography } from '@mui/material';
import { useState } from 'react';

import { api, locust } from './api';
import { usePolling } from './polling';

const RUNNING = ['spawning', 'running'];

function Figure({ label, value }: { label: string; value: string | number }) {
  return (
    <Box sx={{ minWidth: 90 }}>
      <Typography variant="caption" color="text.secondary">
        {label}
      </Typography>
      <Typography sx={{ fontSize: 20, fontWeight: 500 }} data-figure={label}>
        {value}
      </Typography>
    </Box>
  );
}

export function RunPanel({ host }: { host: string }) {
  const { data: stats, refresh } = usePolling(locust.stats, 2000);
  const { data: rate } = usePolling(api.rate, 2000);
  const [users, setUsers] = useState('10');
  const [spawnRate, setSpawnRate] = useState('10');
  const [runTime, setRunTime] = useState('');
  const [problem, setProblem] = useState('');
  const state: string = stats?.state ?? 'unknown';
  const running = RUNNING.includes(state);
  const total = (stats?.stats ?? []).find((row) => row.name === 'Aggregated');
  const act = async (work: () => Promise<unknown>) => {
    setProblem('');
    try {
      await work();
    } catch (failure) {
      setProblem((failure as Error).message);
    }
    refresh();
  };
  return (
    <Paper variant="outlined" sx={{ p: 2 }} component="section" aria-label="Run">
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 2, mb: 2 }}>
        <Typography variant="h6" sx={{ fontSize: 17 }}>
          Run
        </Typography>
        <Chip label={state} color={running ? 'success' : state === 'stopped' ? 'default' : 'primary'} variant="outlined" data-run-state={state} />
        <Box sx={{ flex: 1 }} />
        <Button href={locust.chartsUrl} target="_blank" endIcon={<OpenInNewIcon />}>
          Locust charts
        </Button>
      </Box>
      <Box sx={{ display: 'flex', gap: 3, mb: 2, flexWrap: 'wrap' }}>
        <Figure label="Users" value={stats?.user_count ?? 0} />
        <Figure label="Workers" value={stats?.worker_count ?? (stats?.workers ?? []).length} />
        <Figure label="Requests/s" value={(stats?.total_rps ?? 0).toFixed(1)} />
        <Figure label="Failures" value={`${Math.round((stats?.fail_ratio ?? 0) * 100)} %`} />
        <Figure label="Requests" value={total?.num_requests ?? 0} />
        {rate?.targetRps && (
          <Box>
            <Figure label="Target req/s" value={rate.targetRps} />
            {running && (
              <Chip
                size="small"
                color={rate.reached ? 'success' : 'warning'}
                label={rate.reached ? 'held' : `not reached: ${rate.currentRps} req/s`}
                data-target-reached={String(rate.reached)}
              />
            )}
          </Box>
        )}
      </Box>
      <Box sx={{ display: 'flex', gap: 2, alignItems: 'flex-start' }}>
        <TextField label="Users" value={users} onChange={(event) => setUsers(event.target.value)} sx={{ width: 110 }} inputProps={{ inputMode: 'numeric' }} />
        <TextField label="Spawn rate (/s)" value={spawnRate} onChange={(event) => setSpawnRate(event.target.value)} sx={{ width: 130 }} inputProps={{ inputMode: 'decimal' }} />
        <TextField label="Run time" placeholder="e.g. 5m, 1h" value={runTime} onChange={(event) => setRunTime(event.target.value)} sx={{ width: 130 }} />
        <Button variant="contained" startIcon={<PlayArrowIcon />} onClick={() => act(() => locust.start(Number(users), Number(spawnRate), host, runTime))}>
          {running ? 'Change users' : 'Start'}
        </Button>
        <Button variant="outlined" color="error" startIcon={<StopIcon />} disabled={!running} onClick={() => act(locust.stop)}>
          Stop
        </Button>
      </Box>
      {problem && (
        <Alert severity="error" sx={{ mt: 2 }}>
          {problem}
        </Alert>
      )}
    </Paper>
  );
}
