// Browser journey steps: an action and the fields that action needs (the schema says which).
import AddIcon from '@mui/icons-material/Add';
import { Box, Button, Paper, Typography } from '@mui/material';

import type { BrowserStep } from './contract';
import { join, useErrorsUnder, useFieldError } from './errors';
import { ChoiceInput, NumberInput, TextInput } from './fields';
import { ItemControls, type ListItemActions, keyOf, listActions, replaceAt, withField } from './lists';
import { choices, field, findChoice, firstChoice, requirement, useSchema } from './schema';

const PLACEHOLDERS = {
  selector: '#login, text=Sign in, [name=q]',
  url: '/checkout or ${host}/page',
  saveAs: 'orderId',
};

function BrowserStepEditor({
  path,
  step,
  onChange,
  actions,
}: {
  path: string;
  step: BrowserStep;
  onChange: (step: BrowserStep) => void;
  actions: ListItemActions;
}) {
  const schema = useSchema();
  const actionChoices = choices(schema, 'BrowserStep', 'action');
  const chosen = findChoice(actionChoices, step.action);
  const errors = useErrorsUnder(path);
  const stepError = useFieldError(path);
  const set = <K extends keyof BrowserStep>(key: K, value: BrowserStep[K] | undefined) => onChange(withField(step, key, value));
  const shown = (name: keyof BrowserStep) => requirement(chosen, name) !== null || (step[name] !== undefined && step[name] !== '');
  const valueKind = requirement(chosen, 'value');
  return (
    <Paper variant="outlined" sx={{ mb: 1, p: 1, borderColor: errors.length ? 'error.main' : undefined }} data-path={path} aria-label={`Browser step ${actions.index + 1}`}>
      <Box sx={{ display: 'flex', gap: 1, alignItems: 'flex-start', flexWrap: 'wrap' }}>
        <Typography sx={{ mt: 1, minWidth: 20, color: 'text.secondary' }}>{actions.index + 1}</Typography>
        <ChoiceInput path={join(path, 'action')} label="Action" choices={actionChoices} value={step.action} onChange={(value) => set('action', value)} sx={{ width: 180 }} />
        {shown('url') && (
          <TextInput path={join(path, 'url')} label="URL" placeholder={PLACEHOLDERS.url} value={step.url} onChange={(value) => set('url', value)} sx={{ flex: 1, minWidth: 220 }} />
        )}
        {shown('selector') && (
          <TextInput path={join(path, 'selector')} label="Selector" placeholder={PLACEHOLDERS.selector} value={step.selector} onChange={(value) => set('selector', value)} sx={{ flex: 1, minWidth: 200 }} />
        )}
        {shown('value') && (
          <TextInput
            path={join(path, 'value')}
            label={valueKind === 'number' ? 'Seconds' : step.action === 'SAVE_ATTRIBUTE' ? 'Attribute' : 'Value'}
            value={step.value}
            onChange={(value) => set('value', value)}
            sx={{ width: 180 }}
          />
        )}
        {shown('saveAs') && (
          <TextInput
            path={join(path, 'saveAs')}
            info={field(schema, 'BrowserStep', 'saveAs')}
            hint=" "
            label="Save as"
            placeholder={PLACEHOLDERS.saveAs}
            value={step.saveAs}
            onChange={(value) => set('saveAs', value)}
            sx={{ width: 150 }}
          />
        )}
        <TextInput path={join(path, 'name')} label="Name" placeholder={step.action ?? ''} value={step.name} onChange={(value) => set('name', value)} sx={{ width: 150 }} />
        <NumberInput path={join(path, 'timeoutS')} label="Timeout (s)" placeholder="30" value={step.timeoutS} onChange={(value) => set('timeoutS', value)} sx={{ width: 100 }} />
        <ItemControls {...actions} />
      </Box>
      {stepError && <Typography sx={{ color: 'error.main', fontSize: 12, ml: 4 }}>{stepError}</Typography>}
    </Paper>
  );
}

export function BrowserStepList({ path, steps, onChange }: { path: string; steps: BrowserStep[]; onChange: (steps: BrowserStep[]) => void }) {
  const firstAction = firstChoice(choices(useSchema(), 'BrowserStep', 'action'));
  return (
    <Box>
      {steps.map((step, index) => (
        <BrowserStepEditor
          key={keyOf(step)}
          path={join(path, index)}
          step={step}
          onChange={(next) => onChange(replaceAt(steps, index, next))}
          actions={listActions(steps, index, 'Browser step', onChange)}
        />
      ))}
      <Button variant="outlined" startIcon={<AddIcon />} onClick={() => onChange([...steps, { action: firstAction }])}>
        Add browser step
      </Button>
    </Box>
  );
}
