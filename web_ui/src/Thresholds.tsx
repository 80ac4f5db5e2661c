// Thresholds: the editor a plan's and a calibration's share, how one reads in a sentence, and the current run's
// verdicts, live.
import AddIcon from '@mui/icons-material/Add';
import CheckCircleIcon from '@mui/icons-material/CheckCircle';
import ErrorIcon from '@mui/icons-material/Error';
import { Box, Button, Checkbox, Chip, FormControlLabel, Paper, Typography } from '@mui/material';

import { api } from './api';
import type { Threshold } from './contract';
import { join } from './errors';
import { ChoiceInput, NumberInput, TextInput } from './fields';
import { ItemControls, keyOf, listActions, replaceAt, withField } from './lists';
import { usePolling } from './polling';
import { choices, useSchema } from './schema';

const UNITS: Partial<Record<Threshold['metric'], string>> = { ERROR_RATIO: '', RPS: ' req/s' };

// `P95_MS of checkout ≤ 800 ms`, as the calibration's heading shows a threshold.
export function thresholdText(threshold: Threshold): string {
  const unit = UNITS[threshold.metric] ?? ' ms';
  const bounds = [
    threshold.min !== undefined ? `≥ ${threshold.min}${unit}` : '',
    threshold.max !== undefined ? `≤ ${threshold.max}${unit}` : '',
  ].filter(Boolean);
  return `${threshold.metric} of ${threshold.step || 'all'} ${bounds.join(' and ')}`;
}

export function ThresholdList({
  path,
  thresholds,
  onChange,
  endsRun,
}: {
  path: string;
  thresholds: Threshold[];
  onChange: (thresholds: Threshold[]) => void;
  // The plan's thresholds can end the run when one breaks (abortOnFail); a calibration's end a step.
  endsRun: boolean;
}) {
  const schema = useSchema();
  const metrics = choices(schema, 'Threshold', 'metric');
  return (
    <>
      {thresholds.map((threshold, index) => {
        const at = join(path, index);
        const update = <K extends keyof Threshold>(key: K, value: Threshold[K] | undefined) =>
          onChange(replaceAt(thresholds, index, withField(threshold, key, value)));
        return (
          <Box key={keyOf(threshold)} sx={{ display: 'flex', gap: 1, mb: 1, alignItems: 'flex-start' }} data-path={at}>
            <ChoiceInput path={join(at, 'metric')} label="Metric" choices={metrics} value={threshold.metric} onChange={(value) => update('metric', value)} sx={{ width: 170 }} />
            <TextInput path={join(at, 'step')} label="Step" placeholder={threshold.metric === 'LCP_P75_MS' ? 'every page' : 'every step'} value={threshold.step} onChange={(value) => update('step', value)} InputLabelProps={{ shrink: true }} sx={{ flex: 1 }} />
            <NumberInput path={join(at, 'min')} label="At least" value={threshold.min} onChange={(value) => update('min', value)} sx={{ width: 110 }} />
            <NumberInput path={join(at, 'max')} label="At most" value={threshold.max} onChange={(value) => update('max', value)} sx={{ width: 110 }} />
            {endsRun && (
              <FormControlLabel
                control={<Checkbox checked={threshold.abortOnFail ?? false} onChange={(event) => update('abortOnFail', event.target.checked || undefined)} />}
                label="End the run"
                sx={{ mt: 1 }}
              />
            )}
            <ItemControls {...listActions(thresholds, index, 'Threshold', onChange)} />
          </Box>
        );
      })}
      <Button startIcon={<AddIcon />} onClick={() => onChange([...thresholds, { metric: 'P95_MS', max: 500 }])}>
        Add threshold
      </Button>
    </>
  );
}

const shownValue = (value: number | null) => (value === null ? 'nothing completed' : String(Math.round(value * 1000) / 1000));

// The current run's thresholds, each over the run so far; nothing while the plan has none.
export function ThresholdVerdicts() {
  const { data: report } = usePolling(api.thresholds, 2000);
  if (!report || report.verdicts.length === 0) return null;
  const broken = report.verdicts.filter((verdict) => !verdict.held).length;
  return (
    <Paper variant="outlined" sx={{ p: 2, mt: 2 }} component="section" aria-label="Thresholds">
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 2, mb: 1 }}>
        <Typography variant="h6" sx={{ fontSize: 17 }}>
          Thresholds
        </Typography>
        <Chip label={broken ? `${broken} broken` : 'all held'} color={broken ? 'error' : 'success'} variant="outlined" data-thresholds-broken={broken} />
        <Typography variant="caption" color="text.secondary">
          run {report.run}
        </Typography>
      </Box>
      {report.verdicts.map((verdict) => (
        <Box key={verdict.label} sx={{ display: 'flex', gap: 1, alignItems: 'center', mb: 0.5 }} data-threshold={verdict.label} data-held={String(verdict.held)}>
          {verdict.held ? <CheckCircleIcon color="success" fontSize="small" /> : <ErrorIcon color="error" fontSize="small" />}
          <Typography variant="body2" sx={{ fontFamily: 'monospace' }}>
            {verdict.label}
          </Typography>
          <Typography variant="body2" color={verdict.held ? 'text.secondary' : 'error'}>
            {verdict.held ? shownValue(verdict.value) : verdict.problem}
          </Typography>
        </Box>
      ))}
      {report.abortedBy && (
        <Typography variant="body2" color="error" sx={{ mt: 1 }}>
          The run was ended by {report.abortedBy} (End the run).
        </Typography>
      )}
    </Paper>
  );
}
