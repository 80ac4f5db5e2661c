// Import by paste or upload: Postman, HAR, cURL, locust-hazard or our JSON (the formats the API serves).
import UploadFileIcon from '@mui/icons-material/UploadFile';
import {
  Alert,
  Box,
  Button,
  Checkbox,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  FormControlLabel,
  MenuItem,
  TextField,
} from '@mui/material';
import { useState } from 'react';

import { ApiError, type Imported, api } from './api';
import { useSchema } from './schema';

export function ImportDialog({ open, onClose, onImported }: { open: boolean; onClose: () => void; onImported: (result: Imported) => void }) {
  const schema = useSchema();
  const [text, setText] = useState('');
  const [format, setFormat] = useState('');
  const [name, setName] = useState('');
  const [includeStatic, setIncludeStatic] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      const result = await api.importText(text, format, name, includeStatic);
      onImported(result);
      setText('');
      setName('');
    } catch (failure) {
      setError(failure instanceof ApiError ? failure : new ApiError(0, String(failure), '', []));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog open={open} onClose={onClose} maxWidth="md" fullWidth aria-labelledby="import-title">
      <DialogTitle id="import-title">Import requests</DialogTitle>
      <DialogContent>
        <Box sx={{ display: 'flex', gap: 2, mt: 1, mb: 2, alignItems: 'center' }}>
          <TextField select label="Format" value={format} onChange={(event) => setFormat(event.target.value)} sx={{ width: 260 }}>
            <MenuItem value="">
              <em>Detect it</em>
            </MenuItem>
            {schema.importFormats.map((choice) => (
              <MenuItem key={choice.name} value={choice.name}>
                {choice.description}
              </MenuItem>
            ))}
          </TextField>
          <TextField label="Plan name" placeholder="from the import" value={name} onChange={(event) => setName(event.target.value)} sx={{ flex: 1 }} />
          <Button component="label" startIcon={<UploadFileIcon />}>
            Upload file
            <input
              hidden
              type="file"
              aria-label="Upload a file to import"
              accept=".json,.har,.txt,.sh,.curl,application/json,text/plain"
              onChange={async (event) => {
                const file = event.target.files?.[0];
                if (file) {
                  setText(await file.text());
                  if (!name) setName(file.name.replace(/\.[^.]+$/, '').replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 64));
                }
                event.target.value = '';
              }}
            />
          </Button>
        </Box>
        <TextField
          label="Paste here"
          placeholder={"curl 'http://127.0.0.1:8080/api/login' -H 'Content-Type: application/json' --data '{\"user\":\"alice\"}'\n\nor a Postman collection, a HAR file, a locust-hazard plan..."}
          multiline
          minRows={12}
          maxRows={20}
          fullWidth
          value={text}
          onChange={(event) => setText(event.target.value)}
          inputProps={{ 'aria-label': 'Text to import', spellCheck: false }}
          InputProps={{ sx: { fontFamily: 'monospace', fontSize: 12 } }}
        />
        {(format === 'har' || (!format && text.includes('"log"'))) && (
          <FormControlLabel
            control={<Checkbox checked={includeStatic} onChange={(event) => setIncludeStatic(event.target.checked)} />}
            label="Keep static assets (images, scripts, styles) the browser fetched"
          />
        )}
        {error && (
          <Alert severity="error" sx={{ mt: 2 }} role="alert">
            {error.path ? `${error.path}: ` : ''}
            {error.message}
          </Alert>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Cancel</Button>
        <Button variant="contained" disabled={!text.trim() || busy} onClick={submit}>
          Import
        </Button>
      </DialogActions>
    </Dialog>
  );
}
