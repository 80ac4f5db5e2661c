// The plan's run history: its kept runs, one run's figures and charts drawn again from its record, and the run
// compared with the plan's baseline or any other run, regressions marked.
import DeleteIcon from '@mui/icons-material/Delete';
import StarIcon from '@mui/icons-material/Star';
import StarBorderIcon from '@mui/icons-material/StarBorder';
import {
  Alert,
  Box,
  Chip,
  IconButton,
  MenuItem,
  Paper,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  TextField,
  Tooltip,
  Typography,
} from '@mui/material';
import { useEffect, useState } from 'react';

import { type RunComparison, type RunRecord, type RunSummary, api, describeFailure } from './api';
import { usePolling } from './polling';

const STATE_COLOR: Record<RunSummary['state'], 'success' | 'info' | 'warning'> = {
  running: 'info',
  finished: 'success',
  interrupted: 'warning',
};

const shown = (value: number | null | undefined, digits = 0) =>
  value === null || value === undefined ? '–' : value.toLocaleString(undefined, { maximumFractionDigits: digits });

export function Runs({ plan }: { plan: string }) {
  const { data: runs, error, refresh } = usePolling(() => api.runs(plan), 5000);
  const [selected, setSelected] = useState<string | null>(null);
  const [problem, setProblem] = useState('');
  const chosen = selected ?? runs?.[0]?.id ?? null;
  const act = async (work: () => Promise<unknown>) => {
    setProblem('');
    try {
      await work();
    } catch (failure) {
      setProblem(describeFailure(failure));
    }
    refresh();
  };
  return (
    <Box>
      <Paper variant="outlined" sx={{ p: 2, mb: 2 }} component="section" aria-label="Runs">
        <Typography variant="h6" sx={{ fontSize: 17, mb: 1 }}>
          Runs of {plan}
        </Typography>
        {(error || problem) && (
          <Alert severity="error" sx={{ mb: 1 }}>
            {problem || error}
          </Alert>
        )}
        {runs && runs.length === 0 && <Typography color="text.secondary">No run yet: start one in Agents &amp; run; it is kept here.</Typography>}
        {runs && runs.length > 0 && (
          <Table size="small" aria-label="Kept runs">
            <TableHead>
              <TableRow>
                <TableCell>Run</TableCell>
                <TableCell>Started</TableCell>
                <TableCell>By</TableCell>
                <TableCell>Revision</TableCell>
                <TableCell>State</TableCell>
                <TableCell align="right">Baseline</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {runs.map((run) => (
                <TableRow key={run.id} hover selected={run.id === chosen} onClick={() => setSelected(run.id)} sx={{ cursor: 'pointer' }} data-run={run.id}>
                  <TableCell sx={{ fontFamily: 'monospace' }}>{run.id}</TableCell>
                  <TableCell>{run.startedAt}</TableCell>
                  <TableCell>{run.startedBy}</TableCell>
                  <TableCell>{run.revision}</TableCell>
                  <TableCell>
                    <Chip size="small" variant="outlined" color={STATE_COLOR[run.state]} label={run.state} />
                  </TableCell>
                  <TableCell align="right" onClick={(event) => event.stopPropagation()}>
                    <Tooltip title={run.baseline ? 'The baseline: later runs compare with it' : 'Make it the baseline'}>
                      <IconButton size="small" aria-label={`Baseline ${run.id}`} onClick={() => act(() => api.setBaseline(run.id))} data-baseline={String(run.baseline)}>
                        {run.baseline ? <StarIcon color="warning" /> : <StarBorderIcon />}
                      </IconButton>
                    </Tooltip>
                    <Tooltip title="Forget this run">
                      <IconButton size="small" aria-label={`Delete ${run.id}`} onClick={() => act(() => api.deleteRun(run.id))}>
                        <DeleteIcon />
                      </IconButton>
                    </Tooltip>
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </Paper>
      {chosen && runs && <RunDetail key={chosen} id={chosen} others={runs.filter((run) => run.id !== chosen)} />}
    </Box>
  );
}

function useRecord(id: string): { record: RunRecord | null; error: string } {
  const [record, setRecord] = useState<RunRecord | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    api.run(id).then(setRecord, (failure) => setError(describeFailure(failure)));
  }, [id]);
  return { record, error };
}

function RunDetail({ id, others }: { id: string; others: RunSummary[] }) {
  const { record, error } = useRecord(id);
  if (error) return <Alert severity="error">{error}</Alert>;
  if (!record) return null;
  return (
    <Paper variant="outlined" sx={{ p: 2, mb: 2 }} component="section" aria-label="Run record">
      <Typography variant="h6" sx={{ fontSize: 17 }}>
        {record.id}
      </Typography>
      <Typography variant="caption" color="text.secondary">
        {record.startedAt} – {record.endedAt ?? 'not ended'} · {record.load.users} users · {record.workers} worker(s) on{' '}
        {record.agents.join(', ') || 'this machine'}
      </Typography>
      <Box sx={{ display: 'flex', gap: 2, flexWrap: 'wrap', my: 2 }}>
        <SeriesChart record={record} figure="users" title="Users" />
        <SeriesChart record={record} figure="rps" title="Requests/s" />
        <SeriesChart record={record} figure="p95Ms" title="p95 (ms)" />
      </Box>
      <Table size="small" aria-label="Steps of the run">
        <TableHead>
          <TableRow>
            <TableCell>Step</TableCell>
            <TableCell align="right">Requests</TableCell>
            <TableCell align="right">Failures</TableCell>
            <TableCell align="right">Req/s</TableCell>
            <TableCell align="right">p50</TableCell>
            <TableCell align="right">p95</TableCell>
            <TableCell align="right">p99</TableCell>
            <TableCell align="right">Max</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {record.steps.map((step) => (
            <TableRow key={`${step.method} ${step.name}`} data-step={step.name}>
              <TableCell>
                {step.method} {step.name}
              </TableCell>
              <TableCell align="right">{step.requests}</TableCell>
              <TableCell align="right">{step.failures}</TableCell>
              <TableCell align="right">{shown(step.rps, 1)}</TableCell>
              <TableCell align="right">{shown(step.p50Ms)}</TableCell>
              <TableCell align="right">{shown(step.p95Ms)}</TableCell>
              <TableCell align="right">{shown(step.p99Ms)}</TableCell>
              <TableCell align="right">{shown(step.maxMs)}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {record.thresholds.length > 0 && (
        <Box sx={{ mt: 1 }}>
          {record.thresholds.map((verdict) => (
            <Chip key={verdict.label} size="small" sx={{ mr: 1 }} color={verdict.held ? 'success' : 'error'} variant="outlined" label={`${verdict.label}: ${verdict.held ? 'held' : verdict.problem}`} />
          ))}
        </Box>
      )}
      <Comparison id={id} others={others} />
    </Paper>
  );
}

type SampleFigure = 'users' | 'rps' | 'p95Ms';

// A line of one figure of the record's samples (every 5 s), drawn again from the record.
function SeriesChart({ record, figure, title }: { record: RunRecord; figure: SampleFigure; title: string }) {
  const points = record.series.map((sample) => [sample.atS, sample[figure] ?? 0] as const);
  const width = 280;
  const height = 90;
  const lastAt = Math.max(1, ...points.map(([at]) => at));
  const top = Math.max(1, ...points.map(([, value]) => value));
  // The highest point a tenth below the top edge, so a flat line at the maximum stays visible.
  const x = (at: number) => (at / lastAt) * width;
  const y = (value: number) => height - (value / top) * height * 0.9;
  const line = points.map(([at, value]) => `${x(at).toFixed(1)},${y(value).toFixed(1)}`).join(' ');
  return (
    <Box data-chart={figure}>
      <Typography variant="caption" color="text.secondary">
        {title} (max {shown(top, 1)})
      </Typography>
      <Box component="svg" viewBox={`0 0 ${width} ${height}`} sx={{ display: 'block', width, height, bgcolor: 'action.hover', borderRadius: 1 }} role="img" aria-label={`${title} over the run`}>
        <polyline points={line} fill="none" stroke="currentColor" strokeWidth={1.5} />
        {points.map(([at, value]) => (
          <circle key={at} cx={x(at)} cy={y(value)} r={2} fill="currentColor" />
        ))}
      </Box>
    </Box>
  );
}

function Comparison({ id, others }: { id: string; others: RunSummary[] }) {
  const baseline = others.find((run) => run.baseline)?.id ?? '';
  const [against, setAgainst] = useState(baseline);
  // Answers are kept with the pair they compare, so a slow answer for an earlier choice never shows.
  const [answer, setAnswer] = useState<{ pair: string; comparison: RunComparison | null; error: string } | null>(null);
  const pair = `${id} ${against}`;
  useEffect(() => {
    if (!against) return undefined;
    let live = true;
    api.compare(id, against).then(
      (comparison) => live && setAnswer({ pair, comparison, error: '' }),
      (failure) => live && setAnswer({ pair, comparison: null, error: describeFailure(failure) }),
    );
    return () => {
      live = false;
    };
  }, [id, against, pair]);
  const comparison = answer?.pair === pair ? answer.comparison : null;
  const error = answer?.pair === pair ? answer.error : '';
  if (others.length === 0) return null;
  return (
    <Box sx={{ mt: 2 }} component="section" aria-label="Comparison">
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 2, mb: 1 }}>
        <Typography variant="subtitle1">Compared with</Typography>
        <TextField select size="small" label="Run" value={against} onChange={(event) => setAgainst(event.target.value)} sx={{ minWidth: 360 }} inputProps={{ 'aria-label': 'Compare with' }}>
          {others.map((run) => (
            <MenuItem key={run.id} value={run.id}>
              {run.id}
              {run.baseline ? ' (baseline)' : ''}
            </MenuItem>
          ))}
        </TextField>
        {comparison && (
          <Chip color={comparison.regressed ? 'error' : 'success'} variant="outlined" label={comparison.regressed ? 'regressed' : 'no regression'} data-regressed={String(comparison.regressed)} />
        )}
      </Box>
      {error && <Alert severity="error">{error}</Alert>}
      {comparison && (
        <Table size="small" aria-label="Figures compared">
          <TableHead>
            <TableRow>
              <TableCell>Row</TableCell>
              <TableCell>Figure</TableCell>
              <TableCell align="right">Baseline</TableCell>
              <TableCell align="right">This run</TableCell>
              <TableCell align="right">Ratio</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {comparison.figures.map((figure) => (
              <TableRow key={`${figure.row} ${figure.figure}`} sx={figure.regressed ? { bgcolor: 'error.light' } : {}} data-figure-regressed={String(figure.regressed)}>
                <TableCell>{figure.row}</TableCell>
                <TableCell>{figure.figure}</TableCell>
                <TableCell align="right">{shown(figure.baseline, 3)}</TableCell>
                <TableCell align="right">{shown(figure.value, 3)}</TableCell>
                <TableCell align="right">{figure.ratio === null ? '–' : `${figure.ratio.toFixed(2)}×`}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </Box>
  );
}
