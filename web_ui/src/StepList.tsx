// A chain of steps (the setup, a task): HTTP requests and WebSocket actions, each with its own editor.
import AddIcon from '@mui/icons-material/Add';
import { Box, Button } from '@mui/material';

import { HttpStepEditor } from './HttpStepEditor';
import { WsStepEditor } from './WsStepEditor';
import type { HttpStep } from './contract';
import { join } from './errors';
import { keyOf, listActions, replaceAt } from './lists';
import { choices, firstChoice, useSchema } from './schema';

export function StepList({
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
  const firstAction = firstChoice(choices(useSchema(), 'WebSocketStep', 'action'));
  return (
    <Box>
      {steps.map((step, index) => {
        const props = {
          path: join(path, index),
          step,
          onChange: (next: HttpStep) => onChange(replaceAt(steps, index, next)),
          actions: listActions(steps, index, noun, onChange),
        };
        return step.ws ? <WsStepEditor key={keyOf(step)} {...props} ws={step.ws} /> : <HttpStepEditor key={keyOf(step)} {...props} />;
      })}
      <Box sx={{ display: 'flex', gap: 1 }}>
        <Button variant="outlined" startIcon={<AddIcon />} onClick={() => onChange([...steps, { url: '' }])} title="An HTTP request">
          Add {noun.toLowerCase()}
        </Button>
        <Button variant="outlined" startIcon={<AddIcon />} onClick={() => onChange([...steps, { ws: { action: firstAction } }])} title="A WebSocket action: connect, send, expect, ping or close">
          Add WebSocket {noun.toLowerCase()}
        </Button>
      </Box>
    </Box>
  );
}
