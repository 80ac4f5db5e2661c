// What an import converted, before it opens: each warning under the step it concerns (named as the builder
// shows it), the warnings about the whole plan apart.
import WarningAmberIcon from '@mui/icons-material/WarningAmber';
import { Alert, AlertTitle, Box, Paper, Typography } from '@mui/material';

import type { Imported } from './api';
import { type PlacedWarnings, type WarnedStep, placeWarnings, planSteps, requestLine, stepLabel, stepName } from './importWarnings';
import { useSchema } from './schema';

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

function summary(placed: PlacedWarnings, steps: number): string {
  const marked = placed.steps.length;
  const onSteps = placed.steps.reduce((count, place) => count + place.messages.length, 0);
  const parts = [
    onSteps > 0 && `${plural(onSteps, 'warning')} on ${plural(marked, 'step')}, below under each step`,
    placed.plan.length > 0 && `${plural(placed.plan.length, 'warning')} about the whole plan`,
  ].filter(Boolean);
  let rest = 'No step has a warning of its own.';
  if (marked === steps && marked > 0) rest = 'Every step has one: they open marked in the builder.';
  else if (marked > 0) rest = `The other ${plural(steps - marked, 'step')} converted cleanly; the steps with warnings open marked in the builder.`;
  return `What did not carry over: ${parts.join('; ')}. ${rest}`;
}

export function ImportReview({ result }: { result: Imported }) {
  const formats = useSchema().importFormats;
  const placed = placeWarnings(result.plan, result.warnings);
  const steps = planSteps(result.plan).length;
  const format = formats.find((choice) => choice.name === result.format)?.description ?? result.format;
  const groups = [...new Set(placed.steps.map((place) => place.group))];
  return (
    <Box aria-label="Import result" role="region">
      <Typography sx={{ mb: 0.5 }}>
        Converted {format} into {result.plan.name}: {plural(result.plan.tasks?.length ?? 0, 'task')}, {plural(steps, 'step')}.
      </Typography>
      <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>
        {summary(placed, steps)}
      </Typography>
      {placed.plan.length > 0 && (
        <Alert severity="warning" sx={{ mb: 2 }} aria-label="Warnings about the whole plan">
          <AlertTitle>The whole plan</AlertTitle>
          {placed.plan.map((message) => (
            <div key={message}>{message}</div>
          ))}
        </Alert>
      )}
      {groups.map((group) => (
        <WarnedGroup key={group} steps={placed.steps.filter((place) => place.group === group)} />
      ))}
    </Box>
  );
}

function WarnedGroup({ steps }: { steps: WarnedStep[] }) {
  return (
    <Box sx={{ mb: 2 }}>
      <Typography variant="subtitle2" sx={{ mb: 1 }}>
        {steps[0]?.groupTitle}
      </Typography>
      {steps.map((place) => (
        <WarnedStepItem key={place.path} place={place} />
      ))}
    </Box>
  );
}

function WarnedStepItem({ place }: { place: WarnedStep }) {
  const request = requestLine(place.step);
  return (
    <Paper variant="outlined" role="group" aria-label={stepLabel(place)} sx={{ p: 1.5, mb: 1, borderColor: 'warning.main' }}>
      <Box sx={{ display: 'flex', gap: 1, alignItems: 'baseline', flexWrap: 'wrap' }}>
        <Typography sx={{ fontWeight: 600 }}>
          {place.group === 'setup' ? 'Setup step' : 'Step'} {place.number}: {stepName(place.step)}
        </Typography>
        {request !== stepName(place.step) && (
          <Typography variant="body2" color="text.secondary" sx={{ fontFamily: 'monospace' }}>
            {request}
          </Typography>
        )}
      </Box>
      <Box component="ul" sx={{ m: 0, mt: 0.5, pl: 0, listStyle: 'none' }}>
        {place.messages.map((message) => (
          <Box component="li" key={message} sx={{ display: 'flex', gap: 1, alignItems: 'flex-start', mt: 0.5 }}>
            <WarningAmberIcon fontSize="small" color="warning" aria-hidden />
            <Typography variant="body2">{message}</Typography>
          </Box>
        ))}
      </Box>
    </Paper>
  );
}
