// One WebSocket step (a step with `ws`): the action, chosen from the schema's enum, then only what that action takes.
// Like the HTTP editor, each field shows the API's error at its own path, and a collapsed step opens on an error.
import { Alert, Box, Chip, Paper, TextField, ToggleButton, ToggleButtonGroup, Tooltip, Typography } from '@mui/material';
import { type ReactNode, useState } from 'react';

import type { HttpStep, WebSocketStep } from './contract';
import { join, useErrorsUnder } from './errors';
import { ChoiceInput, KeyValueEditor, NumberInput, TextInput, useDraft } from './fields';
import { StepImportWarnings } from './importWarnings';
import { ItemControls, type ListItemActions, withField } from './lists';
import { type Choice, choices, field, findChoice, requirement, useSchema } from './schema';
import { AssertChain, JsonBody, SaveChain, StepToggle } from './stepParts';

type Action = WebSocketStep['action'];
type WsField = Exclude<keyof WebSocketStep, 'action'>;

// What an empty timeout means, per action (PLAN_FORMAT.md); EXPECT's is required.
const TIMEOUT_PLACEHOLDERS: Partial<Record<Action, string>> = { CONNECT: '30', PING: '10' };

// Which fields an action takes comes from the served schema (the proto's `takes` on each action).
function takes(choice: Choice | undefined, key: WsField): boolean {
  return choice?.takes.includes(key) ?? false;
}

// A new action keeps only the fields it takes too (CONNECT's timeout for an EXPECT, nothing of a SEND's message).
function switchAction(ws: WebSocketStep, choice: Choice<Action>): WebSocketStep {
  let next: WebSocketStep = { action: choice.name };
  for (const key of Object.keys(ws) as WsField[]) {
    if (takes(choice, key)) next = withField(next, key, ws[key]);
  }
  return next;
}

type WsSetter = <K extends WsField>(key: K, value: WebSocketStep[K] | undefined) => void;

export function WsStepEditor({
  path,
  step,
  ws,
  onChange,
  actions,
}: {
  path: string;
  step: HttpStep;
  ws: WebSocketStep;
  onChange: (step: HttpStep) => void;
  actions: ListItemActions;
}) {
  const schema = useSchema();
  const wsPath = join(path, 'ws');
  const [open, setOpen] = useState(true);
  const errors = useErrorsUnder(path);
  // New errors inside the step open it, while rendering (not in an effect that would show the closed step first).
  const errorPaths = errors.map((issue) => issue.path).join();
  const [shownErrors, setShownErrors] = useState('');
  if (errorPaths !== shownErrors) {
    setShownErrors(errorPaths);
    if (errors.length) setOpen(true);
  }
  const setWs = (next: WebSocketStep) => onChange({ ...step, ws: next });
  const actionChoices = choices(schema, 'WebSocketStep', 'action');
  const title = `Step ${actions.index + 1}`;
  return (
    <Paper
      variant="outlined"
      sx={{ mb: 1.5, borderColor: errors.length ? 'error.main' : undefined }}
      data-path={path}
      data-step-kind="ws"
      aria-label={`${title}: WebSocket ${ws.action}`}
    >
      <Box sx={{ display: 'flex', alignItems: 'flex-start', gap: 1, p: 1 }}>
        <StepToggle open={open} onToggle={() => setOpen(!open)} actions={actions} />
        <Tooltip title="A WebSocket action on the virtual user's connection">
          <Chip label="WS" color="secondary" size="small" sx={{ mt: 1, fontWeight: 600 }} data-ws-marker />
        </Tooltip>
        <ChoiceInput
          path={join(wsPath, 'action')}
          label="Action"
          choices={actionChoices}
          value={ws.action}
          onChange={(value) => {
            const choice = value && value !== ws.action ? findChoice(actionChoices, value) : undefined;
            if (choice) setWs(switchAction(ws, choice));
          }}
          sx={{ width: 150, flexShrink: 0 }}
        />
        <Box sx={{ flex: 1 }} />
        <TextInput
          path={join(path, 'name')}
          label="Name"
          placeholder={[ws.action, ws.url].filter(Boolean).join(' ')}
          value={step.name}
          onChange={(value) => onChange(withField(step, 'name', value))}
          sx={{ width: 240, flexShrink: 0 }}
        />
        <ItemControls {...actions} />
      </Box>
      <StepImportWarnings step={step} />
      <StrayErrors path={path} wsPath={wsPath} />
      {open && (
        <Box sx={{ px: 1, pb: 1 }}>
          <WsFields path={wsPath} ws={ws} onChange={setWs} />
        </Box>
      )}
    </Paper>
  );
}

// Errors no field shows: at the step or at `ws` itself (a SEND without a message), and HTTP keys a WS step may not
// have (`tasks[0].steps[1].url`), named by their key.
function StrayErrors({ path, wsPath }: { path: string; wsPath: string }) {
  const stray = useErrorsUnder(path).filter((issue) => !issue.path.startsWith(`${wsPath}.`) && issue.path !== join(path, 'name'));
  if (stray.length === 0) return null;
  return (
    <Box sx={{ mx: 1, mb: 1 }}>
      {stray.map((issue) => (
        <Alert key={issue.path + issue.message} severity="error" sx={{ mb: 0.5 }} data-error-path={issue.path}>
          {issue.path === path || issue.path === wsPath ? issue.message : `${issue.path.slice(path.length + 1)}: ${issue.message}`}
        </Alert>
      ))}
    </Box>
  );
}

function WsFields({ path, ws, onChange }: { path: string; ws: WebSocketStep; onChange: (ws: WebSocketStep) => void }) {
  const schema = useSchema();
  const chosen = findChoice(choices(schema, 'WebSocketStep', 'action'), ws.action);
  const set: WsSetter = (key, value) => onChange(withField(ws, key, value));
  // A field the action takes, or one the step has anyway (the API's error says it belongs to another action).
  const shown = (key: WsField) => takes(chosen, key) || ws[key] !== undefined;
  const required = (key: WsField) => requirement(chosen, key) !== null;
  return (
    <Box>
      <Box sx={{ display: 'flex', gap: 2, alignItems: 'flex-start', flexWrap: 'wrap' }}>
        {shown('url') && (
          <TextInput
            path={join(path, 'url')}
            info={{ ...field(schema, 'WebSocketStep', 'url'), required: required('url') }}
            label="URL"
            placeholder="/ws/feed?token=${token} or wss://host/path"
            value={ws.url}
            onChange={(value) => set('url', value)}
            sx={{ flex: 1, minWidth: 280 }}
          />
        )}
        {shown('subprotocols') && <SubprotocolsInput path={join(path, 'subprotocols')} value={ws.subprotocols ?? []} onChange={(value) => set('subprotocols', value)} />}
        {shown('timeoutS') && (
          <NumberInput
            path={join(path, 'timeoutS')}
            label="Timeout (s)"
            required={required('timeoutS')}
            placeholder={TIMEOUT_PLACEHOLDERS[ws.action] ?? ''}
            value={ws.timeoutS}
            onChange={(value) => set('timeoutS', value)}
            sx={{ width: 140 }}
          />
        )}
        {shown('closeCode') && (
          <NumberInput path={join(path, 'closeCode')} label="Close code" placeholder="1000" hint="1000, or 3000 to 4999" value={ws.closeCode} onChange={(value) => set('closeCode', value)} sx={{ width: 160 }} />
        )}
        {shown('reason') && <TextInput path={join(path, 'reason')} label="Reason" value={ws.reason} onChange={(value) => set('reason', value)} sx={{ flex: 1, minWidth: 200 }} />}
      </Box>
      {shown('headers') && (
        <Part title="Headers">
          <KeyValueEditor path={join(path, 'headers')} value={ws.headers} onChange={(value) => set('headers', value)} addLabel="Add header" />
        </Part>
      )}
      {(shown('text') || shown('json') || shown('binary')) && <MessageEditor path={path} ws={ws} onChange={onChange} />}
      {shown('match') && (
        <Part title="Match" subtitle="The message expected: every check holds for it; the messages before it are skipped">
          <AssertChain schema={schema} path={join(path, 'match')} asserts={ws.match ?? []} onChange={(value) => set('match', value)} noun="match" />
        </Part>
      )}
      {shown('save') && (
        <Part title="Save" subtitle="Values saved from the matching message">
          <SaveChain schema={schema} path={join(path, 'save')} saves={ws.save ?? []} onChange={(value) => set('save', value)} />
        </Part>
      )}
      {shown('assert') && (
        <Part title="Assert" subtitle="Checks on the matching message; a failed one fails the step">
          <AssertChain schema={schema} path={join(path, 'assert')} asserts={ws.assert ?? []} onChange={(value) => set('assert', value)} />
        </Part>
      )}
    </Box>
  );
}

function Part({ title, subtitle, children }: { title: string; subtitle?: string; children: ReactNode }) {
  return (
    <Box role="group" aria-label={title} sx={{ mt: 1.5 }}>
      <Box sx={{ display: 'flex', gap: 1, alignItems: 'baseline', mb: 1 }}>
        <Typography variant="subtitle2">{title}</Typography>
        {subtitle && (
          <Typography variant="body2" color="text.secondary">
            {subtitle}
          </Typography>
        )}
      </Box>
      {children}
    </Box>
  );
}

const subprotocolText = (names: string[]) => names.join(', ');
const subprotocolNames = (text: string) => text.split(',').map((name) => name.trim()).filter(Boolean);

// Typed as a comma-separated list; each name's error comes back at subprotocols[i].
function SubprotocolsInput({ path, value, onChange }: { path: string; value: string[]; onChange: (value: string[]) => void }) {
  const info = field(useSchema(), 'WebSocketStep', 'subprotocols');
  const [text, setText] = useDraft(value, subprotocolText, (draft, current) => subprotocolNames(draft).join(',') === current.join(','));
  const error = useErrorsUnder(path).map((issue) => {
    const index = /^\[(\d+)\]/.exec(issue.path.slice(path.length))?.[1];
    return index === undefined ? issue.message : `${value[Number(index)] ?? ''}: ${issue.message}`;
  })[0];
  return (
    <TextField
      label="Subprotocols"
      placeholder="graphql-ws, chat"
      value={text}
      error={Boolean(error)}
      helperText={error ?? `comma-separated; each ${info.patternHint ?? 'a name'}`}
      inputProps={{ 'data-path': path }}
      onChange={(event) => {
        setText(event.target.value);
        onChange(subprotocolNames(event.target.value));
      }}
      sx={{ width: 240 }}
    />
  );
}

type MessageKind = 'text' | 'json' | 'binary';

function messageKind(ws: WebSocketStep): MessageKind | null {
  if (ws.text !== undefined) return 'text';
  if (ws.json !== undefined) return 'json';
  if (ws.binary !== undefined) return 'binary';
  return null;
}

// A SEND's one message: text, JSON or binary (base64); choosing a kind drops the others.
function MessageEditor({ path, ws, onChange }: { path: string; ws: WebSocketStep; onChange: (ws: WebSocketStep) => void }) {
  const schema = useSchema();
  const kind = messageKind(ws);
  const switchTo = (next: MessageKind | null) => {
    if (!next || next === kind) return;
    const { text: _text, json: _json, binary: _binary, ...rest } = ws;
    if (next === 'text') onChange({ ...rest, text: '' });
    else if (next === 'json') onChange({ ...rest, json: {} });
    else onChange({ ...rest, binary: '' });
  };
  const mono = { sx: { fontFamily: 'monospace', fontSize: 13 } };
  return (
    <Part title="Message">
      <ToggleButtonGroup size="small" exclusive value={kind} onChange={(_, value: MessageKind | null) => switchTo(value)} sx={{ mb: 1.5 }} aria-label="Message type">
        <ToggleButton value="text">text</ToggleButton>
        <ToggleButton value="json">JSON</ToggleButton>
        <ToggleButton value="binary">binary</ToggleButton>
      </ToggleButtonGroup>
      {kind === null && (
        <Typography variant="body2" color="text.secondary">
          Choose what the message is: a SEND sends one text, JSON or binary message.
        </Typography>
      )}
      {kind === 'text' && (
        <TextInput
          path={join(path, 'text')}
          info={field(schema, 'WebSocketStep', 'text')}
          hint="Sent as a text message after templating"
          label="Text"
          multiline
          minRows={2}
          fullWidth
          value={ws.text}
          onChange={(value) => onChange({ ...ws, text: value })}
          InputProps={mono}
        />
      )}
      {kind === 'json' && (
        <JsonBody path={join(path, 'json')} value={ws.json} onChange={(value) => onChange({ ...ws, json: value })} label="JSON message" hint="Strings may hold ${variables}; sent as a text message" />
      )}
      {kind === 'binary' && (
        <TextInput
          path={join(path, 'binary')}
          label="Binary (base64)"
          hint="The bytes sent, as base64"
          fullWidth
          value={ws.binary}
          onChange={(value) => onChange({ ...ws, binary: value })}
          InputProps={mono}
        />
      )}
    </Part>
  );
}
