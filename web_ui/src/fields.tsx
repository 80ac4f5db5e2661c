// Form fields bound to a place in the plan: each shows the API's error for its path, and the schema's hints.
import AddIcon from '@mui/icons-material/Add';
import DeleteOutlineIcon from '@mui/icons-material/DeleteOutline';
import { Box, Button, IconButton, MenuItem, TextField, Tooltip } from '@mui/material';
import type { TextFieldProps } from '@mui/material';
import { type HTMLAttributes, useState } from 'react';

import { useFieldError } from './errors';
import type { Choice, FieldInfo } from './schema';

type PathProps = { path: string; info?: FieldInfo; hint?: string } & Omit<TextFieldProps, 'onChange' | 'value'>;

function helper(error: string | undefined, info: FieldInfo | undefined, hint: string | undefined) {
  if (error) return error;
  if (hint) return hint;
  if (info?.template) return undefined;
  return info?.patternHint;
}

export function TextInput({
  path,
  info,
  hint,
  value,
  onChange,
  ...props
}: PathProps & { value: string | undefined; onChange: (value: string) => void }) {
  const error = useFieldError(path);
  return (
    <TextField
      {...props}
      value={value ?? ''}
      onChange={(event) => onChange(event.target.value)}
      error={Boolean(error)}
      helperText={helper(error, info, hint)}
      required={Boolean(info?.required)}
      inputProps={{ 'data-path': path, ...(props.inputProps ?? {}) }}
    />
  );
}

// A field's own text (a number half typed, JSON that does not parse yet), kept while it still means the plan's
// value, and replaced when that value changes from elsewhere (another editor, a reload): adjusted while
// rendering, as React advises for state that follows a prop, so no render shows the stale text.
export function useDraft<Value, Draft>(value: Value, draftOf: (value: Value) => Draft, means: (draft: Draft, value: Value) => boolean) {
  const [draft, setDraft] = useState(() => draftOf(value));
  const [drafted, setDrafted] = useState(value);
  if (!Object.is(drafted, value)) {
    setDrafted(value);
    if (!means(draft, value)) setDraft(draftOf(value));
  }
  return [draft, setDraft] as const;
}

const numberText = (value: number | undefined) => (value === undefined ? '' : String(value));

// Numbers stay text while typed ("1." is on the way to "1.5"); an empty field removes the key.
export function NumberInput({
  path,
  info,
  hint,
  value,
  onChange,
  ...props
}: PathProps & { value: number | undefined; onChange: (value: number | undefined) => void }) {
  const error = useFieldError(path);
  const [text, setText] = useDraft(value, numberText, (draft, current) => Number(draft) === current && !(draft === '' && current !== undefined));
  const invalid = text !== '' && !Number.isFinite(Number(text));
  return (
    <TextField
      {...props}
      value={text}
      onChange={(event) => {
        const next = event.target.value.trim();
        setText(next);
        if (next === '') onChange(undefined);
        else if (Number.isFinite(Number(next))) onChange(Number(next));
      }}
      error={Boolean(error) || invalid}
      helperText={error ?? (invalid ? 'expected a number' : hint)}
      inputProps={{ inputMode: 'decimal', 'data-path': path }}
    />
  );
}

// Offers the schema's choices; `allowEmpty` adds the enum's default, chosen as undefined.
export function ChoiceInput<Value extends string>({
  path,
  choices,
  value,
  onChange,
  allowEmpty,
  ...props
}: PathProps & {
  choices: Choice<Value>[];
  value: Value | undefined;
  onChange: (value: Value | undefined) => void;
  allowEmpty?: string;
}) {
  const error = useFieldError(path);
  const displayProps: HTMLAttributes<HTMLDivElement> & { 'data-path': string } = { 'data-path': path };
  return (
    <TextField
      {...props}
      select
      value={value ?? ''}
      onChange={(event) => onChange(choices.find((choice) => choice.name === event.target.value)?.name)}
      error={Boolean(error)}
      helperText={error ?? props.helperText}
      SelectProps={{ ...(props.SelectProps ?? {}), displayEmpty: allowEmpty !== undefined, SelectDisplayProps: displayProps }}
      {...(allowEmpty !== undefined && { InputLabelProps: { shrink: true } })}
    >
      {allowEmpty !== undefined && (
        <MenuItem value="">
          <em>{allowEmpty} (default)</em>
        </MenuItem>
      )}
      {choices.map((choice) => (
        <MenuItem key={choice.name} value={choice.name}>
          {choice.name}
        </MenuItem>
      ))}
    </TextField>
  );
}

type Row = { key: string; value: string };

// The validator names a map entry as `headers["X-Token"]`.
export function entryPath(path: string, key: string): string {
  return `${path}[${JSON.stringify(key)}]`;
}

function toRows(map: Record<string, string> | undefined): Row[] {
  return Object.entries(map ?? {}).map(([key, value]) => ({ key, value }));
}

function fromRows(rows: Row[]): Record<string, string> {
  return Object.fromEntries(rows.filter((row) => row.key !== '').map((row) => [row.key, row.value]));
}

// Headers, query parameters, form fields, variables: rows of name and value, like Postman's tables.
export function KeyValueEditor({
  path,
  value,
  onChange,
  keyLabel = 'Name',
  valueLabel = 'Value',
  addLabel = 'Add',
}: {
  path: string;
  value: Record<string, string> | undefined;
  onChange: (value: Record<string, string> | undefined) => void;
  keyLabel?: string;
  valueLabel?: string;
  addLabel?: string;
}) {
  const [rows, setRows] = useDraft(value, toRows, (draft, current) => JSON.stringify(fromRows(draft)) === JSON.stringify(current ?? {}));
  const error = useFieldError(path);
  const update = (next: Row[]) => {
    setRows(next);
    const map = fromRows(next);
    onChange(Object.keys(map).length ? map : undefined);
  };
  return (
    <Box data-path={path}>
      {rows.map((row, index) => (
        <Box key={index} sx={{ display: 'flex', gap: 1, mb: 1 }}>
          <KeyCell path={entryPath(path, row.key)} label={keyLabel} row={row} onChange={(key) => update(rows.map((r, i) => (i === index ? { ...r, key } : r)))} />
          <ValueCell
            path={entryPath(path, row.key)}
            label={valueLabel}
            row={row}
            onChange={(cell) => update(rows.map((r, i) => (i === index ? { ...r, value: cell } : r)))}
          />
          <Tooltip title={`Remove ${row.key || 'row'}`}>
            <IconButton aria-label={`Remove ${keyLabel.toLowerCase()} ${row.key}`} onClick={() => update(rows.filter((_, i) => i !== index))}>
              <DeleteOutlineIcon fontSize="small" />
            </IconButton>
          </Tooltip>
        </Box>
      ))}
      {error && <Box sx={{ color: 'error.main', fontSize: 12, mb: 1 }}>{error}</Box>}
      <Button startIcon={<AddIcon />} onClick={() => setRows([...rows, { key: '', value: '' }])}>
        {addLabel}
      </Button>
    </Box>
  );
}

function KeyCell({ path, label, row, onChange }: { path: string; label: string; row: Row; onChange: (key: string) => void }) {
  return (
    <TextField
      label={label}
      value={row.key}
      onChange={(event) => onChange(event.target.value)}
      sx={{ flex: '0 0 32%' }}
      inputProps={{ 'data-path': `${path}:key` }}
    />
  );
}

function ValueCell({ path, label, row, onChange }: { path: string; label: string; row: Row; onChange: (value: string) => void }) {
  const error = useFieldError(path);
  return (
    <TextField
      label={label}
      value={row.value}
      onChange={(event) => onChange(event.target.value)}
      error={Boolean(error)}
      helperText={error}
      sx={{ flex: 1 }}
      inputProps={{ 'data-path': path }}
    />
  );
}
