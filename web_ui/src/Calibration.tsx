// The plan's calibration: each step's figures as it is measured, the knee, and why the next step broke.
import { Alert, Box, Chip, LinearProgress, Paper, Table, TableBody, TableCell, TableHead, TableRow, Typography } from '@mui/material';

import { api } from './api';
import type { CalibrationResult } from './contract';
import { usePolling } from './polling';
import { thresholdText } from './Thresholds';

const OUTCOME: Record<CalibrationResult['state'], { label: string; severity: 'success' | 'info' | 'warning' | 'error' }> = {
  running: { label: 'running', severity: 'info' },
  knee: { label: 'knee found', severity: 'success' },
  'no-knee': { label: 'no knee', severity: 'info' },
  'none-held': { label: 'no step held', severity: 'error' },
  stopped: { label: 'stopped', severity: 'warning' },
};

const shown = (value: number | null | undefined, format: (value: number) => string = String) =>
  value === null || value === undefined ? '–' : format(value);

export function Calibration({ plan, calibrates }: { plan: string; calibrates: boolean }) {
  const { data: result } = usePolling(() => api.calibration(plan), 2000);
  if (!result && !calibrates) return null;
  const outcome = result ? OUTCOME[result.state] : null;
  return (
    <Paper variant="outlined" sx={{ p: 2, mt: 2 }} component="section" aria-label="Calibration">
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 2, mb: 1 }}>
        <Typography variant="h6" sx={{ fontSize: 17 }}>
          Calibration
        </Typography>
        {result && outcome && <Chip label={outcome.label} color={outcome.severity} variant="outlined" data-calibration-state={result.state} />}
        <Box sx={{ flex: 1 }} />
        {result && (
          <Typography variant="caption" color="text.secondary">
            {result.finishedAt ? `${result.startedAt} – ${result.finishedAt}` : `since ${result.startedAt}`}
          </Typography>
        )}
      </Box>
      {!result && <Typography color="text.secondary">Start a run: the users are stepped up until a threshold breaks, and the last step that held is kept here.</Typography>}
      {result && outcome && (
        <>
          {result.state === 'running' && <LinearProgress sx={{ mb: 1 }} />}
          <Alert severity={outcome.severity} sx={{ mb: 1 }} aria-label="Calibration outcome">
            {result.knee && (
              <Typography sx={{ fontWeight: 500 }} data-knee-users={result.knee.users}>
                Last step held: {result.knee.users} users at {result.knee.rps} req/s
              </Typography>
            )}
            {result.message}
          </Alert>
          <Typography variant="caption" color="text.secondary">
            {(result.calibrate?.thresholds ?? []).map(thresholdText).join(' · ')}
          </Typography>
          <Table size="small" aria-label="Calibration steps">
            <TableHead>
              <TableRow>
                <TableCell align="right">Users</TableCell>
                <TableCell align="right">Req/s</TableCell>
                <TableCell align="right">p95 (ms)</TableCell>
                <TableCell align="right">Errors</TableCell>
                <TableCell align="right">LCP p75 (ms)</TableCell>
                <TableCell align="right">Requests</TableCell>
                <TableCell>Verdict</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {result.steps.map((step) => (
                <TableRow key={step.users} selected={result.knee?.users === step.users} data-calibration-step={step.users}>
                  <TableCell align="right">{step.users}</TableCell>
                  <TableCell align="right">{step.rps}</TableCell>
                  <TableCell align="right">{shown(step.p95Ms)}</TableCell>
                  <TableCell align="right">{shown(step.errorRatio, (ratio) => `${(ratio * 100).toFixed(2)} %`)}</TableCell>
                  <TableCell align="right">{shown(step.lcpP75Ms)}</TableCell>
                  <TableCell align="right">{step.requests}</TableCell>
                  <TableCell sx={{ color: step.held ? 'success.main' : 'error.main' }}>{step.held ? 'held' : `broke: ${step.broken.join('; ')}`}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </>
      )}
    </Paper>
  );
}
