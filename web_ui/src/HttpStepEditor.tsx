// One HTTP step, like a Postman request: method and URL on top; params, headers, body, what is assigned before the
// request, save, assert and options in tabs. Each editor changes only its own keys, so the step keeps every other one.
import {
  Alert,
  Badge,
  Box,
  FormControlLabel,
  FormHelperText,
  Paper,
  Switch,
  Tab,
  Tabs,
  ToggleButton,
  ToggleButtonGroup,
  Typography,
} from '@mui/material';
import { type InputHTMLAttributes, useState } from 'react';

import type { HttpStep } from './contract';
import { join, useErrorsUnder, useFieldError } from './errors';
import { ChoiceInput, KeyValueEditor, NumberInput, TextInput } from './fields';
import { StepImportWarnings } from './importWarnings';
import { ItemControls, type ListItemActions, withField } from './lists';
import { choices, field, useSchema } from './schema';
import { AssertChain, JsonBody, SaveChain, StepToggle } from './stepParts';

// Each tab is named after the step's key it edits (an API error at that key opens it); 'options' holds the rest.
const TABS = ['params', 'headers', 'body', 'assign', 'save', 'assert', 'options'] as const;
type TabName = (typeof TABS)[number];

const ASSIGN_HINT = 'Variables set before this request is rendered; values are templates like ${__timestamp}, ${__uuid}';

type BodyKind = 'none' | 'form' | 'json' | 'raw';

function bodyKind(step: HttpStep): BodyKind {
  if (step.form !== undefined) return 'form';
  if (step.json !== undefined) return 'json';
  if (step.body !== undefined) return 'raw';
  return 'none';
}

export function HttpStepEditor({
  path,
  step,
  onChange,
  actions,
  initiallyOpen = true,
}: {
  path: string;
  step: HttpStep;
  onChange: (step: HttpStep) => void;
  actions: ListItemActions;
  initiallyOpen?: boolean;
}) {
  const schema = useSchema();
  const [open, setOpen] = useState(initiallyOpen);
  const [tab, setTab] = useState<TabName>('params');
  const errors = useErrorsUnder(path);
  const stepError = useFieldError(path);
  // New errors inside the step open it at the tab of the first, while rendering (not in an effect that
  // would show the closed step first).
  const errorPaths = errors.map((issue) => issue.path).join();
  const [shownErrors, setShownErrors] = useState('');
  if (errorPaths !== shownErrors) {
    setShownErrors(errorPaths);
    const first = errors[0];
    if (first) {
      setOpen(true);
      const target = tabOfIssue(path, first.path);
      if (target) setTab(target);
    }
  }
  const set = <K extends keyof HttpStep>(key: K, value: HttpStep[K] | undefined) => onChange(withField(step, key, value));
  const counts: Partial<Record<TabName, number>> = {
    params: Object.keys(step.params ?? {}).length,
    headers: Object.keys(step.headers ?? {}).length,
    assign: Object.keys(step.assign ?? {}).length,
    save: step.save?.length ?? 0,
    assert: step.assert?.length ?? 0,
  };
  const title = `Step ${actions.index + 1}`;
  return (
    <Paper variant="outlined" sx={{ mb: 1.5, borderColor: errors.length ? 'error.main' : undefined }} data-path={path} aria-label={title}>
      <Box sx={{ display: 'flex', alignItems: 'flex-start', gap: 1, p: 1 }}>
        <StepToggle open={open} onToggle={() => setOpen(!open)} actions={actions} />
        <ChoiceInput
          path={join(path, 'method')}
          label="Method"
          choices={choices(schema, 'HttpStep', 'method')}
          value={step.method ?? 'GET'}
          onChange={(value) => set('method', value === 'GET' ? undefined : value)}
          sx={{ width: 120, flexShrink: 0 }}
        />
        <TextInput
          path={join(path, 'url')}
          info={field(schema, 'HttpStep', 'url')}
          label="URL"
          placeholder="/api/items/${itemId}"
          value={step.url}
          onChange={(value) => onChange({ ...step, url: value })}
          sx={{ flex: 1, minWidth: 200 }}
        />
        <TextInput
          path={join(path, 'name')}
          label="Name"
          placeholder={`${step.method ?? 'GET'} ${step.url ?? ''}`.trim()}
          value={step.name}
          onChange={(value) => set('name', value)}
          sx={{ width: 200, flexShrink: 0 }}
        />
        <ItemControls {...actions} />
      </Box>
      <StepImportWarnings step={step} />
      {stepError && (
        <Alert severity="error" sx={{ mx: 1, mb: 1 }}>
          {stepError}
        </Alert>
      )}
      {open && (
        <Box sx={{ px: 1, pb: 1 }}>
          <Tabs value={tab} onChange={(_, value: TabName) => setTab(value)} variant="scrollable" sx={{ minHeight: 36, mb: 1 }}>
            {TABS.map((name) => (
              <Tab
                key={name}
                value={name}
                sx={{ minHeight: 36, py: 0 }}
                label={
                  <Badge
                    color={errors.some((issue) => tabOfIssue(path, issue.path) === name) ? 'error' : 'primary'}
                    badgeContent={errors.some((issue) => tabOfIssue(path, issue.path) === name) ? '!' : counts[name]}
                    sx={{ '& .MuiBadge-badge': { right: -10 } }}
                  >
                    {tabLabel(name, step)}
                  </Badge>
                }
              />
            ))}
          </Tabs>
          {tab === 'params' && (
            <KeyValueEditor path={join(path, 'params')} value={step.params} onChange={(value) => set('params', value)} addLabel="Add parameter" />
          )}
          {tab === 'headers' && (
            <KeyValueEditor path={join(path, 'headers')} value={step.headers} onChange={(value) => set('headers', value)} addLabel="Add header" />
          )}
          {tab === 'body' && <BodyEditor path={path} step={step} onChange={onChange} />}
          {tab === 'assign' && <AssignEditor path={join(path, 'assign')} value={step.assign} onChange={(value) => set('assign', value)} />}
          {tab === 'save' && <SaveChain schema={schema} path={join(path, 'save')} saves={step.save ?? []} onChange={(value) => set('save', value)} />}
          {tab === 'assert' && (
            <AssertChain schema={schema} path={join(path, 'assert')} asserts={step.assert ?? []} onChange={(value) => set('assert', value)} />
          )}
          {tab === 'options' && <StepOptions path={path} step={step} onChange={onChange} />}
        </Box>
      )}
    </Paper>
  );
}

function tabOfIssue(stepPath: string, issuePath: string): TabName | null {
  const inner = issuePath.slice(stepPath.length + 1).split(/[.[]/)[0] ?? '';
  if (inner === 'form' || inner === 'json' || inner === 'body') return 'body';
  if (inner === 'timeoutS' || inner === 'followRedirects' || inner === 'failOnErrorStatus') return 'options';
  return TABS.find((name) => name === inner) ?? null;
}

function tabLabel(name: TabName, step: HttpStep): string {
  if (name === 'body') {
    const kind = bodyKind(step);
    return kind === 'none' ? 'Body' : `Body (${kind})`;
  }
  if (name === 'assign') return 'Before request';
  return name === 'params' ? 'Params' : name.charAt(0).toUpperCase() + name.slice(1);
}

function BodyEditor({ path, step, onChange }: { path: string; step: HttpStep; onChange: (step: HttpStep) => void }) {
  const kind = bodyKind(step);
  const switchTo = (next: BodyKind | null) => {
    if (!next || next === kind) return;
    const { form: _form, json: _json, body: _body, ...rest } = step;
    if (next === 'form') onChange({ ...rest, form: {} });
    else if (next === 'json') onChange({ ...rest, json: {} });
    else if (next === 'raw') onChange({ ...rest, body: '' });
    else onChange(rest);
  };
  return (
    <Box>
      <ToggleButtonGroup size="small" exclusive value={kind} onChange={(_, value: BodyKind | null) => switchTo(value)} sx={{ mb: 1.5 }} aria-label="Body type">
        <ToggleButton value="none">none</ToggleButton>
        <ToggleButton value="form">form</ToggleButton>
        <ToggleButton value="json">JSON</ToggleButton>
        <ToggleButton value="raw">raw</ToggleButton>
      </ToggleButtonGroup>
      {kind === 'form' && (
        <KeyValueEditor
          path={join(path, 'form')}
          value={step.form}
          onChange={(value) => onChange({ ...step, form: value ?? {} })}
          addLabel="Add form field"
        />
      )}
      {kind === 'json' && <JsonBody path={join(path, 'json')} value={step.json} onChange={(value) => onChange({ ...step, json: value })} />}
      {kind === 'raw' && (
        <TextInput
          path={join(path, 'body')}
          label="Raw body"
          multiline
          minRows={4}
          fullWidth
          value={step.body}
          onChange={(value) => onChange({ ...step, body: value })}
          hint="Sent as is after templating; set Content-Type in Headers"
          InputProps={{ sx: { fontFamily: 'monospace', fontSize: 13 } }}
        />
      )}
    </Box>
  );
}

// Like a Postman pre-request script setting variables: rows of variable and template.
function AssignEditor({
  path,
  value,
  onChange,
}: {
  path: string;
  value: Record<string, string> | undefined;
  onChange: (value: Record<string, string> | undefined) => void;
}) {
  return (
    <Box>
      <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
        {ASSIGN_HINT}
      </Typography>
      <KeyValueEditor path={path} value={value} onChange={onChange} keyLabel="Variable" valueLabel="Template" addLabel="Add variable" />
    </Box>
  );
}

function StepOptions({ path, step, onChange }: { path: string; step: HttpStep; onChange: (step: HttpStep) => void }) {
  return (
    <Box sx={{ display: 'flex', gap: 2, alignItems: 'flex-start', flexWrap: 'wrap' }}>
      <NumberInput
        path={join(path, 'timeoutS')}
        label="Timeout (s)"
        placeholder="30"
        value={step.timeoutS}
        onChange={(value) => onChange(withField(step, 'timeoutS', value))}
        sx={{ width: 160 }}
      />
      <FormControlLabel
        control={
          <Switch
            checked={step.followRedirects ?? true}
            onChange={(event) => onChange(withField(step, 'followRedirects', event.target.checked ? undefined : false))}
          />
        }
        label="Follow redirects"
      />
      <ErrorStatusSwitch path={join(path, 'failOnErrorStatus')} step={step} onChange={onChange} />
    </Box>
  );
}

// Absent means on; off (false) leaves the status to the step's assertions, as Postman does.
function ErrorStatusSwitch({ path, step, onChange }: { path: string; step: HttpStep; onChange: (step: HttpStep) => void }) {
  const error = useFieldError(path);
  const on = step.failOnErrorStatus ?? true;
  const inputProps: InputHTMLAttributes<HTMLInputElement> & { 'data-path': string } = { 'data-path': path };
  return (
    <Box>
      <FormControlLabel
        control={
          <Switch
            checked={on}
            onChange={(event) => onChange(withField(step, 'failOnErrorStatus', event.target.checked ? undefined : false))}
            inputProps={inputProps}
          />
        }
        label="Fail on 4xx/5xx when no status is asserted"
      />
      <FormHelperText error={Boolean(error)} sx={{ mt: 0 }}>
        {error ?? (on ? 'A STATUS assertion, when the step has one, decides instead' : 'Only the assertions can fail this step, as in Postman')}
      </FormHelperText>
    </Box>
  );
}
