// The whole plan as sections: settings, data sets, setup, tasks (HTTP chains) and journeys (browser steps).
import AddIcon from '@mui/icons-material/Add';
import UploadFileIcon from '@mui/icons-material/UploadFile';
import { Alert, Box, Button, FormControlLabel, Paper, Switch, TextField, ToggleButton, ToggleButtonGroup, Typography } from '@mui/material';
import type { ReactNode } from 'react';

import { BrowserStepList } from './BrowserStepEditor';
import { StepList } from './StepList';
import { ThresholdList } from './Thresholds';
import type { Calibrate, DataSet, Journey, Load, Plan, StepLoad, Task, ThinkTime, Users } from './contract';
import { join, useErrorsUnder, useFieldError } from './errors';
import { ChoiceInput, KeyValueEditor, NumberInput, TextInput, useDraft } from './fields';
import { ItemControls, keyOf, listActions, replaceAt, withField } from './lists';
import { choices, field, firstChoice, useSchema } from './schema';

function Section({ title, subtitle, children, action }: { title: string; subtitle?: string; children: ReactNode; action?: ReactNode }) {
  return (
    <Paper variant="outlined" sx={{ p: 2, mb: 2 }} component="section" aria-label={title}>
      <Box sx={{ display: 'flex', alignItems: 'baseline', gap: 1, mb: 1.5 }}>
        <Typography variant="h6" sx={{ fontSize: 17 }}>
          {title}
        </Typography>
        {subtitle && (
          <Typography variant="body2" color="text.secondary" sx={{ flex: 1 }}>
            {subtitle}
          </Typography>
        )}
        {action}
      </Box>
      {children}
    </Paper>
  );
}

type Setter<T> = <K extends keyof T>(key: K, value: T[K] | undefined) => void;

export function PlanBuilder({ plan, onChange }: { plan: Plan; onChange: (plan: Plan) => void }) {
  const set: Setter<Plan> = (key, value) => onChange(withField(plan, key, value));
  return (
    <Box>
      <Settings plan={plan} onChange={onChange} />
      <Section title="Data sets" subtitle="CSV rows that feed ${set.column} variables">
        <DataSets sets={plan.dataSets ?? []} onChange={(value) => set('dataSets', value)} />
      </Section>
      <Section title="Setup" subtitle="HTTP steps each virtual user runs once, before its tasks (a login)">
        <StepList path="setup" steps={plan.setup ?? []} onChange={(value) => set('setup', value)} noun="Setup step" />
      </Section>
      <LoadSection load={plan.load ?? {}} onChange={(value) => set('load', Object.keys(value).length ? value : undefined)} />
      <Tasks tasks={plan.tasks ?? []} onChange={(value) => set('tasks', value)} />
      <Journeys journeys={plan.journeys ?? []} onChange={(value) => set('journeys', value)} />
      <Section title="Thresholds" subtitle="What the run must hold to pass, over the whole run; a headless run that breaks one exits 3">
        <ThresholdList path="thresholds" thresholds={plan.thresholds ?? []} onChange={(value) => set('thresholds', value.length ? value : undefined)} endsRun />
      </Section>
    </Box>
  );
}

function Settings({ plan, onChange }: { plan: Plan; onChange: (plan: Plan) => void }) {
  const schema = useSchema();
  const set: Setter<Plan> = (key, value) => onChange(withField(plan, key, value));
  const users: Users = plan.users ?? {};
  const setUsers: Setter<Users> = (key, value) => {
    const next = withField(users, key, value);
    onChange(withField(plan, 'users', Object.keys(next).length ? next : undefined));
  };
  return (
    <Section title="Plan settings">
      <Box sx={{ display: 'flex', gap: 2, flexWrap: 'wrap', alignItems: 'flex-start' }}>
        <TextInput path="host" info={field(schema, 'Plan', 'host')} label="Host" placeholder="http://127.0.0.1:8080" value={plan.host} onChange={(value) => set('host', value)} sx={{ flex: 2, minWidth: 260 }} />
        <TextInput path="proxy" info={field(schema, 'Plan', 'proxy')} label="Proxy" placeholder="http://127.0.0.1:3128" value={plan.proxy} onChange={(value) => set('proxy', value)} sx={{ flex: 1, minWidth: 200 }} />
        <FormControlLabel
          sx={{ mt: 0.5 }}
          control={<Switch checked={plan.session ?? true} onChange={(event) => set('session', event.target.checked ? undefined : false)} />}
          label="Cookie session per user"
        />
      </Box>
      <Box sx={{ display: 'flex', gap: 2, mt: 1 }}>
        <NumberInput path="users.httpWeight" label="HTTP user weight" placeholder="1" value={users.httpWeight} onChange={(value) => setUsers('httpWeight', value)} sx={{ width: 180 }} />
        <NumberInput
          path="users.browserCount"
          label="Browser users (fixed)"
          placeholder="by weight"
          value={users.browserCount}
          onChange={(value) => setUsers('browserCount', value)}
          sx={{ width: 180 }}
        />
      </Box>
      <Typography variant="subtitle2" sx={{ mt: 2, mb: 1 }}>
        Variables
      </Typography>
      <KeyValueEditor path="variables" value={plan.variables} onChange={(value) => set('variables', value)} addLabel="Add variable" />
      <SecretsInput secrets={plan.secrets ?? []} onChange={(value) => set('secrets', value)} />
    </Section>
  );
}

const secretsText = (secrets: string[]) => secrets.join(', ');
const secretNames = (text: string) => text.split(',').map((name) => name.trim()).filter(Boolean);

// Names typed as a comma-separated list; each name's errors come back at secrets[i].
function SecretsInput({ secrets, onChange }: { secrets: string[]; onChange: (secrets: string[]) => void }) {
  const [text, setText] = useDraft(secrets, secretsText, (draft, current) => secretNames(draft).join(',') === current.join(','));
  const error = useErrorsUnder('secrets').map((issue) => `${secrets[Number(issue.path.slice(8, -1))] ?? ''}: ${issue.message}`)[0];
  return (
    <TextField
      label="Secrets (variables and headers masked in try once and failure messages)"
      placeholder="password, token, X-Session"
      value={text}
      fullWidth
      error={Boolean(error)}
      helperText={error ?? 'Authorization, Cookie and API key headers always are'}
      inputProps={{ 'data-path': 'secrets' }}
      onChange={(event) => {
        setText(event.target.value);
        onChange(secretNames(event.target.value));
      }}
      sx={{ mt: 2 }}
    />
  );
}

function DataSets({ sets, onChange }: { sets: DataSet[]; onChange: (sets: DataSet[]) => void }) {
  const schema = useSchema();
  const modes = choices(schema, 'DataSet', 'mode');
  return (
    <Box>
      {sets.map((set, index) => {
        const at = join('dataSets', index);
        const update: Setter<DataSet> = (key, value) => onChange(replaceAt(sets, index, withField(set, key, value)));
        return (
          <Paper key={keyOf(set)} variant="outlined" sx={{ p: 1.5, mb: 1 }} data-path={at} aria-label={`Data set ${index + 1}`}>
            <Box sx={{ display: 'flex', gap: 1, alignItems: 'flex-start' }}>
              <TextInput path={join(at, 'name')} info={field(schema, 'DataSet', 'name')} hint=" " label="Name" value={set.name} onChange={(value) => update('name', value)} sx={{ width: 200 }} />
              <ChoiceInput path={join(at, 'mode')} label="Mode" choices={modes} value={set.mode} allowEmpty={firstChoice(modes)} onChange={(value) => update('mode', value)} sx={{ width: 200 }} />
              {set.file !== undefined && (
                <TextInput path={join(at, 'file')} label="File (plan files only)" value={set.file} onChange={(value) => update('file', value)} sx={{ flex: 1 }} />
              )}
              <Box sx={{ flex: 1 }} />
              <Button component="label" startIcon={<UploadFileIcon />} sx={{ mt: 0.5 }}>
                Upload CSV
                <input
                  hidden
                  type="file"
                  accept=".csv,text/csv,text/plain"
                  onChange={async (event) => {
                    const file = event.target.files?.[0];
                    if (file) update('csv', await file.text());
                    event.target.value = '';
                  }}
                />
              </Button>
              <ItemControls {...listActions(sets, index, 'Data set', onChange)} />
            </Box>
            <TextInput
              path={join(at, 'csv')}
              label="CSV (header row first)"
              multiline
              minRows={3}
              maxRows={10}
              fullWidth
              placeholder={'user,password\nalice,secret1\nbob,secret2'}
              value={set.csv}
              onChange={(value) => update('csv', value)}
              InputProps={{ sx: { fontFamily: 'monospace', fontSize: 13 } }}
              sx={{ mt: 1 }}
            />
          </Paper>
        );
      })}
      <Button startIcon={<AddIcon />} onClick={() => onChange([...sets, { name: `set${sets.length + 1}`, csv: '' }])}>
        Add data set
      </Button>
    </Box>
  );
}

type Shape = 'users' | 'step' | 'stages' | 'calibrate';

function shapeOf(load: Load): Shape {
  if (load.step) return 'step';
  if (load.stages) return 'stages';
  if (load.calibrate) return 'calibrate';
  return 'users';
}

const NEW_SHAPES: Record<Shape, (load: Load) => Load> = {
  users: (rest) => rest,
  step: (rest) => ({ ...rest, step: { usersPerStep: 10, stepDurationS: 60, maxUsers: 100 } }),
  stages: (rest) => ({ ...rest, stages: [{ durationS: 60, users: 10 }] }),
  // A calibration finds the rate the target holds, so it has no target rate of its own.
  calibrate: ({ targetRps: _targetRps, ...rest }) => ({
    ...rest,
    calibrate: { usersPerStep: 10, stepDurationS: 30, maxUsers: 200, thresholds: [{ metric: 'P95_MS', max: 500 }, { metric: 'ERROR_RATIO', max: 0.01 }] },
  }),
};

// How much load: a target rate for the whole fleet, and Locust's users, a step load, stages, or a calibration.
function LoadSection({ load, onChange }: { load: Load; onChange: (load: Load) => void }) {
  const shape = shapeOf(load);
  const loadError = useFieldError('load');
  const stages = load.stages ?? [];
  const switchTo = (next: Shape | null) => {
    if (!next || next === shape) return;
    const { step: _step, stages: _stages, calibrate: _calibrate, ...rest } = load;
    onChange(NEW_SHAPES[next](rest));
  };
  return (
    <Section title="Load" subtitle="A request rate held across every worker of every agent, users over time, or finding the knee">
      <Box sx={{ display: 'flex', gap: 2, alignItems: 'flex-start', flexWrap: 'wrap' }}>
        <NumberInput
          path="load.targetRps"
          label="Target requests/s"
          placeholder={shape === 'calibrate' ? 'found by calibrating' : 'no target'}
          disabled={shape === 'calibrate' && load.targetRps === undefined}
          value={load.targetRps}
          onChange={(value) => onChange(withField(load, 'targetRps', value))}
          sx={{ width: 180 }}
        />
        <ToggleButtonGroup size="small" exclusive value={shape} onChange={(_, value: Shape | null) => switchTo(value)} aria-label="Load shape" sx={{ mt: 0.5 }}>
          <ToggleButton value="users">Locust's users</ToggleButton>
          <ToggleButton value="step">Step load</ToggleButton>
          <ToggleButton value="stages">Stages</ToggleButton>
          <ToggleButton value="calibrate">Find the knee</ToggleButton>
        </ToggleButtonGroup>
        {load.step && <StepLoadFields step={load.step} onChange={(step) => onChange({ ...load, step })} />}
      </Box>
      {loadError && <Alert severity="error" sx={{ mt: 1 }}>{loadError}</Alert>}
      {shape === 'stages' && (
        <Box sx={{ mt: 1.5 }}>
          {stages.map((stage, index) => (
            <Box key={keyOf(stage)} sx={{ display: 'flex', gap: 1, mb: 1, alignItems: 'flex-start' }} data-path={`load.stages[${index}]`}>
              <Typography sx={{ mt: 1, minWidth: 20, color: 'text.secondary' }}>{index + 1}</Typography>
              <NumberInput path={`load.stages[${index}].durationS`} label="Over (s)" value={stage.durationS} onChange={(value) => onChange({ ...load, stages: replaceAt(stages, index, withField(stage, 'durationS', value)) })} sx={{ width: 120 }} />
              <NumberInput path={`load.stages[${index}].users`} label="To users" value={stage.users} onChange={(value) => onChange({ ...load, stages: replaceAt(stages, index, withField(stage, 'users', value)) })} sx={{ width: 120 }} />
              <ItemControls {...listActions(stages, index, 'Stage', (next) => onChange({ ...load, stages: next }))} />
            </Box>
          ))}
          <Button startIcon={<AddIcon />} onClick={() => onChange({ ...load, stages: [...stages, { durationS: 60, users: 10 }] })}>
            Add stage
          </Button>
        </Box>
      )}
      {shape === 'calibrate' && load.calibrate && <CalibrationEditor calibrate={load.calibrate} onChange={(calibrate) => onChange({ ...load, calibrate })} />}
    </Section>
  );
}

function StepLoadFields({ step, onChange }: { step: StepLoad; onChange: (step: StepLoad) => void }) {
  const set: Setter<StepLoad> = (key, value) => onChange(withField(step, key, value));
  return (
    <>
      <NumberInput path="load.step.usersPerStep" label="Users per step" value={step.usersPerStep} onChange={(value) => set('usersPerStep', value)} sx={{ width: 130 }} />
      <NumberInput path="load.step.stepDurationS" label="Step (s)" value={step.stepDurationS} onChange={(value) => set('stepDurationS', value)} sx={{ width: 110 }} />
      <NumberInput path="load.step.maxUsers" label="Max users" value={step.maxUsers} onChange={(value) => set('maxUsers', value)} sx={{ width: 110 }} />
    </>
  );
}

// Users stepped up until a threshold breaks; the run panel shows each step's figures and the knee.
function CalibrationEditor({ calibrate, onChange }: { calibrate: Calibrate; onChange: (calibrate: Calibrate) => void }) {
  const set: Setter<Calibrate> = (key, value) => onChange(withField(calibrate, key, value));
  return (
    <Box sx={{ mt: 1.5 }}>
      <Box sx={{ display: 'flex', gap: 2, alignItems: 'flex-start' }}>
        <NumberInput path="load.calibrate.usersPerStep" label="Users per step" value={calibrate.usersPerStep} onChange={(value) => set('usersPerStep', value)} sx={{ width: 130 }} />
        <NumberInput path="load.calibrate.stepDurationS" label="Step (s)" value={calibrate.stepDurationS} onChange={(value) => set('stepDurationS', value)} sx={{ width: 110 }} />
        <NumberInput path="load.calibrate.maxUsers" label="Max users" value={calibrate.maxUsers} onChange={(value) => set('maxUsers', value)} sx={{ width: 110 }} />
      </Box>
      <Typography variant="subtitle2" sx={{ mt: 1.5, mb: 1 }}>
        A step breaks when any of these is beyond its bounds
      </Typography>
      <ThresholdList path="load.calibrate.thresholds" thresholds={calibrate.thresholds ?? []} onChange={(next) => set('thresholds', next)} endsRun={false} />
    </Box>
  );
}

function WeightAndThinkTime<Item extends Task | Journey>({ path, item, onChange }: { path: string; item: Item; onChange: (item: Item) => void }) {
  const think: ThinkTime = item.thinkTime ?? {};
  const setThink: Setter<ThinkTime> = (key, value) => {
    const next = withField(think, key, value);
    onChange(withField(item, 'thinkTime', Object.keys(next).length ? next : undefined));
  };
  return (
    <>
      <NumberInput path={join(path, 'weight')} label="Weight" placeholder="1" value={item.weight} onChange={(value) => onChange(withField(item, 'weight', value))} sx={{ width: 90 }} />
      <NumberInput path={join(path, 'thinkTime.minS')} label="Think min (s)" placeholder="0" value={think.minS} onChange={(value) => setThink('minS', value)} sx={{ width: 120 }} />
      <NumberInput path={join(path, 'thinkTime.maxS')} label="Think max (s)" placeholder="0" value={think.maxS} onChange={(value) => setThink('maxS', value)} sx={{ width: 120 }} />
    </>
  );
}

function Tasks({ tasks, onChange }: { tasks: Task[]; onChange: (tasks: Task[]) => void }) {
  const error = useFieldError('tasks');
  return (
    <Section
      title="Tasks"
      subtitle="HTTP chains; each virtual user picks one by weight, runs its steps in order, then thinks"
      action={
        <Button startIcon={<AddIcon />} onClick={() => onChange([...tasks, { name: `task ${tasks.length + 1}`, steps: [{ url: '' }] }])}>
          Add task
        </Button>
      }
    >
      {error && <Alert severity="error" sx={{ mb: 1 }} data-path="tasks">{error}</Alert>}
      {tasks.map((task, index) => {
        const at = join('tasks', index);
        const update = (next: Task) => onChange(replaceAt(tasks, index, next));
        return (
          <Box key={keyOf(task)} sx={{ mb: 2, pl: 1.5, borderLeft: 3, borderColor: 'primary.main' }} data-path={at} aria-label={`Task ${index + 1}`} role="group">
            <Box sx={{ display: 'flex', gap: 1, alignItems: 'flex-start', mb: 1 }}>
              <TextInput path={join(at, 'name')} label="Task name" value={task.name} onChange={(value) => update({ ...task, name: value })} sx={{ flex: 1 }} />
              <WeightAndThinkTime path={at} item={task} onChange={update} />
              <NumberInput path={join(at, 'iterationsPerS')} label="Iterations/s" placeholder="think time" value={task.iterationsPerS} onChange={(value) => update(withField(task, 'iterationsPerS', value))} sx={{ width: 120 }} />
              <ItemControls {...listActions(tasks, index, 'Task', onChange)} />
            </Box>
            <StepList path={join(at, 'steps')} steps={task.steps ?? []} onChange={(steps) => update({ ...task, steps })} />
          </Box>
        );
      })}
    </Section>
  );
}

function Journeys({ journeys, onChange }: { journeys: Journey[]; onChange: (journeys: Journey[]) => void }) {
  return (
    <Section
      title="Journeys"
      subtitle="Real-browser users (Chromium): each step a row in Locust's statistics, with web vitals"
      action={
        <Button startIcon={<AddIcon />} onClick={() => onChange([...journeys, { name: `journey ${journeys.length + 1}`, steps: [] }])}>
          Add journey
        </Button>
      }
    >
      {journeys.map((journey, index) => {
        const at = join('journeys', index);
        const update = (next: Journey) => onChange(replaceAt(journeys, index, next));
        return (
          <Box key={keyOf(journey)} sx={{ mb: 2, pl: 1.5, borderLeft: 3, borderColor: 'secondary.main' }} data-path={at} aria-label={`Journey ${index + 1}`} role="group">
            <Box sx={{ display: 'flex', gap: 1, alignItems: 'flex-start', mb: 1 }}>
              <TextInput path={join(at, 'name')} label="Journey name" value={journey.name} onChange={(value) => update({ ...journey, name: value })} sx={{ flex: 1 }} />
              <WeightAndThinkTime path={at} item={journey} onChange={update} />
              <ItemControls {...listActions(journeys, index, 'Journey', onChange)} />
            </Box>
            <BrowserStepList path={join(at, 'steps')} steps={journey.steps ?? []} onChange={(steps) => update({ ...journey, steps })} />
          </Box>
        );
      })}
    </Section>
  );
}
