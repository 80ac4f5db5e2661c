// What HTTP and WebSocket steps share (as plan/step_parts.py does on the server): saves, assertions and JSON
// edited as text. Each row shows the API's errors at its own path.
import AddIcon from '@mui/icons-material/Add';
import DeleteOutlineIcon from '@mui/icons-material/DeleteOutline';
import ExpandLessIcon from '@mui/icons-material/ExpandLess';
import ExpandMoreIcon from '@mui/icons-material/ExpandMore';
import { Box, Button, IconButton, TextField, Tooltip, Typography } from '@mui/material';
import type { SxProps, Theme } from '@mui/material';
import { useState } from 'react';

import type { Assertion, Save } from './contract';
import { join, useErrorsUnder } from './errors';
import { ChoiceInput, TextInput, useDraft } from './fields';
import { type ListItemActions, keyOf, removeAt, replaceAt, withField } from './lists';
import { type Schema, choices, field, findChoice, firstChoice, requirement, useSchema } from './schema';

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


function expressionLabel(kind: string | null): string {
  if (kind === 'jsonpath') return 'JSONPath';
  if (kind === 'xpath') return 'XPath';
  if (kind === 'regex') return 'Regex';
  if (kind === 'template') return 'Value';
  if (kind === 'int_range') return 'Range a-b';
  if (kind === 'choice_list') return 'Choices';
  return 'Name';
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

// JSON (a body, a message) is edited as text; the plan changes only when the text parses, and the field says why it
// does not.
export function JsonBody({
  path,
  value,
  onChange,
  label = 'JSON body',
  hint = 'Strings may hold ${variables}; sent with Content-Type: application/json',
}: {
  path: string;
  value: unknown;
  onChange: (value: unknown) => void;
  label?: string;
  hint?: string;
}) {
  const [text, setText] = useDraft(value, jsonText, jsonTextMeans);
  const [problem, setProblem] = useState('');
  const apiErrors = useErrorsUnder(path);
  const message = problem || apiErrors.map((issue) => `${issue.path.slice(path.length) || 'json'}: ${issue.message}`).join('; ');
  return (
    <TextField
      label={label}
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
      helperText={message || hint}
      inputProps={{ 'data-path': path }}
      InputProps={{ sx: { fontFamily: 'monospace', fontSize: 13 } }}
    />
  );
}
export function SaveChain({ schema, path, saves, onChange }: { schema: Schema; path: string; saves: Save[]; onChange: (saves: Save[]) => void }) {
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

// Checks in order; a WebSocket EXPECT's `match` list is one too ("Add match").
export function AssertChain({
  schema,
  path,
  asserts,
  onChange,
  noun = 'assertion',
}: {
  schema: Schema;
  path: string;
  asserts: Assertion[];
  onChange: (asserts: Assertion[]) => void;
  noun?: string;
}) {
  const targets = choices(schema, 'Assertion', 'on');
  const ops = choices(schema, 'Assertion', 'op');
  return (
    <Box>
      {asserts.map((assertion, index) => (
        <AssertRow
          key={keyOf(assertion)}
          schema={schema}
          path={join(path, index)}
          label={`Remove ${noun} ${index + 1}`}
          assertion={assertion}
          onChange={(next) => onChange(replaceAt(asserts, index, next))}
          onRemove={() => onChange(removeAt(asserts, index))}
        />
      ))}
      <Button startIcon={<AddIcon />} onClick={() => onChange([...asserts, { on: firstChoice(targets), op: firstChoice(ops), value: '' }])}>
        Add {noun}
      </Button>
    </Box>
  );
}

function AssertRow({
  schema,
  path,
  label,
  assertion,
  onChange,
  onRemove,
}: {
  schema: Schema;
  path: string;
  label: string;
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
      <RemoveButton label={label} onClick={onRemove} />
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
  return <ChoiceInput path={path} label="Value" choices={offered.map((name) => ({ name, requires: [], takes: [] }))} value={value || undefined} onChange={onChange} sx={sx} />;
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

// A step card's collapse button and its number in the list.
export function StepToggle({ open, onToggle, actions }: { open: boolean; onToggle: () => void; actions: ListItemActions }) {
  return (
    <>
      <Tooltip title={open ? 'Collapse' : 'Expand'}>
        <IconButton aria-label={`${open ? 'Collapse' : 'Expand'} ${actions.noun.toLowerCase()} ${actions.index + 1}`} onClick={onToggle} sx={{ mt: 0.25 }}>
          {open ? <ExpandLessIcon /> : <ExpandMoreIcon />}
        </IconButton>
      </Tooltip>
      <Typography sx={{ mt: 1, minWidth: 20, color: 'text.secondary' }}>{actions.index + 1}</Typography>
    </>
  );
}
