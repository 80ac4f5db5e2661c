// Small dialogs: confirm a destructive action, ask for a plan name (checked against the schema's pattern).
import { Button, Dialog, DialogActions, DialogContent, DialogContentText, DialogTitle, TextField } from '@mui/material';
import { useState } from 'react';

import { field, useSchema } from './schema';

export interface Confirmation {
  title: string;
  text: string;
  confirm: string;
  danger?: boolean;
  onConfirm: () => void;
  alternative?: { label: string; onSelect: () => void };
}

export function ConfirmDialog({ confirmation, onClose }: { confirmation: Confirmation | null; onClose: () => void }) {
  const alternative = confirmation?.alternative;
  return (
    <Dialog open={Boolean(confirmation)} onClose={onClose} aria-labelledby="confirm-title">
      <DialogTitle id="confirm-title">{confirmation?.title}</DialogTitle>
      <DialogContent>
        <DialogContentText>{confirmation?.text}</DialogContentText>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Cancel</Button>
        {alternative && (
          <Button
            onClick={() => {
              onClose();
              alternative.onSelect();
            }}
          >
            {alternative.label}
          </Button>
        )}
        <Button
          variant="contained"
          color={confirmation?.danger ? 'error' : 'primary'}
          onClick={() => {
            onClose();
            confirmation?.onConfirm();
          }}
        >
          {confirmation?.confirm}
        </Button>
      </DialogActions>
    </Dialog>
  );
}

export interface NameRequest {
  title: string;
  initial: string;
  confirm: string;
  taken: string[];
  onName: (name: string) => void;
}

export function NameDialog({ request, onClose }: { request: NameRequest | null; onClose: () => void }) {
  const info = field(useSchema(), 'Plan', 'name');
  const [name, setName] = useState('');
  // Each request starts from its own suggestion, set while rendering so the dialog never shows the last one's.
  const [answering, setAnswering] = useState<NameRequest | null>(null);
  if (request !== answering) {
    setAnswering(request);
    setName(request?.initial ?? '');
  }
  const problem = !new RegExp(`^(?:${info.pattern})$`).test(name)
    ? `expected ${info.patternHint}`
    : request?.taken.includes(name)
      ? 'a saved plan already has this name'
      : '';
  const submit = () => {
    if (problem || !request) return;
    onClose();
    request.onName(name);
  };
  return (
    <Dialog open={Boolean(request)} onClose={onClose} aria-labelledby="name-title">
      <DialogTitle id="name-title">{request?.title}</DialogTitle>
      <DialogContent>
        <TextField
          autoFocus
          fullWidth
          label="Plan name"
          value={name}
          onChange={(event) => setName(event.target.value)}
          onKeyDown={(event) => event.key === 'Enter' && submit()}
          error={Boolean(problem) && name !== ''}
          helperText={problem || ' '}
          sx={{ mt: 1, minWidth: 360 }}
        />
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Cancel</Button>
        <Button variant="contained" disabled={Boolean(problem)} onClick={submit}>
          {request?.confirm}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
