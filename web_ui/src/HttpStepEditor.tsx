// One HTTP step, like a Postman request: method and URL on top; params, headers, body, what is assigned before the
// request, save, assert and options in tabs. Each editor changes only its own keys, so the step keeps every other one.
import AddIcon from '@mui/icons-material/Add';
import DeleteOutlineIcon from '@mui/icons-material/DeleteOutline';
import ExpandLessIcon from '@mui/icons-material/ExpandLess';
import ExpandMoreIcon from '@mui/icons-material/ExpandMore';
import {
  Alert,
  Badge,
  Box,
  Button,
  FormControlLabel,
  FormHelperText,
  IconButton,
  Paper,
  Switch,
  Tab,
  Tabs,
  TextField,
  ToggleButton,
  ToggleButtonGroup,
  Tooltip,
  Typography,
} from '@mui/material';
import type { SxProps, Theme } from '@mui/material';
import { type InputHTMLAttributes, useState } from 'react';

import type { Assertion, HttpStep, Save } from './contract';
import { join, useErrorsUnder, useFieldError } from './errors';
import { ChoiceInput, KeyValueEditor, NumberInput, TextInput, useDraft } from './fields';
import { StepImportWarnings } from './importWarnings';
import { ItemControls, type ListItemActions, keyOf, listActions, removeAt, replaceAt, withField } from './lists';
import { type Schema, choices, field, findChoice, firstChoice, requirement, useSchema } from './schema';

// Each tab is named after the step's key it edits (an API error at that key opens it); 'options' holds the rest.
const TABS = ['params', 'headers', 'body', 'assign', 'save', 'assert', 'options'] as const;
type TabName = (typeof TABS)[number];

// Examples shown in an empty expression field, by the kind of expression the chosen source or target requires.
const EXPRESSION_EXAMPLES: Record<string, string> = {
  jsonpath: '$.data.id',
  xpath: '//h1',
  regex: 'token=(\\w+)',
  template: '${user}-${__userId}',
  int_range: '1-100',
  choice_list: '|red|green|blue',
  '': 'Content-Type',
};

const ASSIGN_HINT = 'Variables set before this request is rendered; values are templates like ${__timestamp}, ${__uuid}';

function expressionLabel(kind: string | null): string {
  if (kind === 'jsonpath') return 'JSONPath';
  if (kind === 'xpath') return 'XPath';
  if (kind === 'regex') return 'Regex';
  if (kind === 'template') return 'Value';
  if (kind === 'int_range') return 'Range a-b';
  if (kind === 'choice_list') return 'Choices';
  return 'Name';
}

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
        <Tooltip title={open ? 'Collapse' : 'Expand'}>
          <IconButton aria-label={`${open ? 'Collapse' : 'Expand'} ${actions.noun.toLowerCase()} ${actions.index + 1}`} onClick={() => setOpen(!open)} sx={{ mt: 0.25 }}>
            {open ? <ExpandLessIcon /> : <ExpandMoreIcon />}
          </IconButton>
        </Tooltip>
        <Typography sx={{ mt: 1, minWidth: 20, color: 'text.secondary' }}>{actions.index + 1}</Typography>
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

const jsonText = (value: unknown) => JSON.stringify(value ?? {}, null, 2);

// Text that does not parse yet is still being typed: it stays.
function jsonTextMeans(text: string, value: unknown): boolean {
  try {
    return JSON.stringify(JSON.parse(text)) === JSON.stringify(value);
  } catch {
    return true;
  }
}

// The JSON body is edited as text; the plan changes only when the text parses, and the field says why it does not.
function JsonBody({ path, value, onChange }: { path: string; value: unknown; onChange: (value: unknown) => void }) {
  const [text, setText] = useDraft(value, jsonText, jsonTextMeans);
  const [problem, setProblem] = useState('');
  const apiErrors = useErrorsUnder(path);
  const message = problem || apiErrors.map((issue) => `${issue.path.slice(path.length) || 'json'}: ${issue.message}`).join('; ');
  return (
    <TextField
      label="JSON body"
      multiline
      minRows={5}
      fullWidth
      value={text}
      onChange={(event) => {
        setText(event.target.value);
        try {
          onChange(JSON.parse(event.target.value) as unknown);
          setProblem('');
        } catch (error) {
          setProblem(`not valid JSON yet: ${(error as Error).message}`);
        }
      }}
      error={Boolean(message)}
      helperText={message || 'Strings may hold ${variables}; sent with Content-Type: application/json'}
      inputProps={{ 'data-path': path }}
      InputProps={{ sx: { fontFamily: 'monospace', fontSize: 13 } }}
    />
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

function SaveChain({ schema, path, saves, onChange }: { schema: Schema; path: string; saves: Save[]; onChange: (saves: Save[]) => void }) {
  const sources = choices(schema, 'Save', 'from');
  return (
    <Box>
      {saves.map((save, index) => {
        const at = join(path, index);
        const kind = requirement(findChoice(sources, save.from), 'expr');
        const set = <K extends keyof Save>(key: K, value: Save[K] | undefined) => onChange(replaceAt(saves, index, withField(save, key, value)));
        return (
          <Box key={keyOf(save)} sx={{ display: 'flex', gap: 1, mb: 1, alignItems: 'flex-start' }} data-path={at}>
            <TextInput path={join(at, 'name')} info={field(schema, 'Save', 'name')} hint=" " label="Save as" value={save.name} onChange={(value) => set('name', value)} sx={{ width: 170 }} />
            <ChoiceInput path={join(at, 'from')} label="From" choices={sources} value={save.from} onChange={(value) => set('from', value)} sx={{ width: 170 }} />
            {kind !== null && (
              <TextInput path={join(at, 'expr')} label={expressionLabel(kind)} placeholder={EXPRESSION_EXAMPLES[kind] ?? ''} value={save.expr} onChange={(value) => set('expr', value)} sx={{ flex: 1 }} />
            )}
            <TextInput path={join(at, 'default')} label="Default" placeholder="fail when missing" value={save.default} onChange={(value) => set('default', value)} sx={{ width: 170 }} />
            <RemoveButton label={`Remove save ${index + 1}`} onClick={() => onChange(removeAt(saves, index))} />
          </Box>
        );
      })}
      <Button startIcon={<AddIcon />} onClick={() => onChange([...saves, { name: '', from: firstChoice(sources), expr: '' }])}>
        Add save
      </Button>
    </Box>
  );
}

function AssertChain({ schema, path, asserts, onChange }: { schema: Schema; path: string; asserts: Assertion[]; onChange: (asserts: Assertion[]) => void }) {
  const targets = choices(schema, 'Assertion', 'on');
  const ops = choices(schema, 'Assertion', 'op');
  return (
    <Box>
      {asserts.map((assertion, index) => (
        <AssertRow
          key={keyOf(assertion)}
          schema={schema}
          path={join(path, index)}
          index={index}
          assertion={assertion}
          onChange={(next) => onChange(replaceAt(asserts, index, next))}
          onRemove={() => onChange(removeAt(asserts, index))}
        />
      ))}
      <Button startIcon={<AddIcon />} onClick={() => onChange([...asserts, { on: firstChoice(targets), op: firstChoice(ops), value: '' }])}>
        Add assertion
      </Button>
    </Box>
  );
}

function AssertRow({
  schema,
  path,
  index,
  assertion,
  onChange,
  onRemove,
}: {
  schema: Schema;
  path: string;
  index: number;
  assertion: Assertion;
  onChange: (assertion: Assertion) => void;
  onRemove: () => void;
}) {
  const targets = choices(schema, 'Assertion', 'on');
  const ops = choices(schema, 'Assertion', 'op');
  const kind = requirement(findChoice(targets, assertion.on), 'expr');
  const valueKind = requirement(findChoice(ops, assertion.op), 'value');
  const set = <K extends keyof Assertion>(key: K, value: Assertion[K] | undefined) => onChange(withField(assertion, key, value));
  return (
    <Box sx={{ display: 'flex', gap: 1, mb: 1, alignItems: 'flex-start' }} data-path={path}>
      <ChoiceInput path={join(path, 'on')} label="Check" choices={targets} value={assertion.on} onChange={(value) => set('on', value)} sx={{ width: 190 }} />
      {kind !== null && (
        <TextInput path={join(path, 'expr')} label={expressionLabel(kind)} placeholder={EXPRESSION_EXAMPLES[kind] ?? ''} value={assertion.expr} onChange={(value) => set('expr', value)} sx={{ flex: 1 }} />
      )}
      <ChoiceInput path={join(path, 'op')} label="Is" choices={ops} value={assertion.op} onChange={(value) => set('op', value)} sx={{ width: 160 }} />
      {valueKind !== null && (
        <AssertValue path={join(path, 'value')} kind={valueKind} value={assertion.value} onChange={(value) => set('value', value)} sx={{ flex: kind === null ? 1 : '0 0 180px' }} />
      )}
      <TextInput path={join(path, 'name')} label="Test name" placeholder="optional" value={assertion.name} onChange={(value) => set('name', value)} sx={{ width: 170 }} />
      <RemoveButton label={`Remove assertion ${index + 1}`} onClick={onRemove} />
    </Box>
  );
}

// The compared value: a choice where its syntax is a short list of words (a JSON type), else text.
function AssertValue({
  path,
  kind,
  value,
  onChange,
  sx,
}: {
  path: string;
  kind: string;
  value: string | undefined;
  onChange: (value: string | undefined) => void;
  sx: SxProps<Theme>;
}) {
  // The values the syntax allows, where the schema lists them: a choice of them instead of free text.
  const words = useSchema().syntaxValues[kind];
  if (!words) return <TextInput path={path} label="Value" placeholder={kind === 'number' ? '200' : ''} value={value} onChange={onChange} sx={sx} />;
  // A value the list does not have (typed in the JSON tab, or left from another op) stays visible, with the API's error.
  const offered = value && !words.includes(value) ? [...words, value] : words;
  return <ChoiceInput path={path} label="Value" choices={offered.map((name) => ({ name, requires: [] }))} value={value || undefined} onChange={onChange} sx={sx} />;
}

function RemoveButton({ label, onClick }: { label: string; onClick: () => void }) {
  return (
    <Tooltip title="Remove">
      <IconButton aria-label={label} onClick={onClick} sx={{ mt: 0.25 }}>
        <DeleteOutlineIcon fontSize="small" />
      </IconButton>
    </Tooltip>
  );
}

export function HttpStepList({
  path,
  steps,
  onChange,
  noun = 'Step',
}: {
  path: string;
  steps: HttpStep[];
  onChange: (steps: HttpStep[]) => void;
  noun?: string;
}) {
  return (
    <Box>
      {steps.map((step, index) => (
        <HttpStepEditor
          key={keyOf(step)}
          path={join(path, index)}
          step={step}
          onChange={(next) => onChange(replaceAt(steps, index, next))}
          actions={listActions(steps, index, noun, onChange)}
        />
      ))}
      <Button variant="outlined" startIcon={<AddIcon />} onClick={() => onChange([...steps, { url: '' }])}>
        Add {noun.toLowerCase()}
      </Button>
    </Box>
  );
}
