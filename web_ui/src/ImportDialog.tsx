// Import by paste or upload: Postman, HAR, cURL, locust-hazard or our JSON (the formats the API serves).
// An import with warnings is shown before it opens: what did not carry over, under the step it concerns.
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
import { ImportReview } from './ImportReview';
import { useSchema } from './schema';

interface ImportRequest {
  text: string;
  format: string;
  name: string;
  includeStatic: boolean;
}

const NO_REQUEST: ImportRequest = { text: '', format: '', name: '', includeStatic: false };

export function ImportDialog({ open, onClose, onImported }: { open: boolean; onClose: () => void; onImported: (result: Imported) => void }) {
  const [request, setRequest] = useState<ImportRequest>(NO_REQUEST);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  // The converted plan while the person reviews its warnings.
  const [result, setResult] = useState<Imported | null>(null);
  const close = () => {
    setResult(null);
    onClose();
  };
  const accept = (converted: Imported) => {
    setResult(null);
    setRequest({ ...request, text: '', name: '' });
    onImported(converted);
  };
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      const converted = await api.importText(request.text, request.format, request.name, request.includeStatic);
      if (converted.warnings.length > 0) setResult(converted);
      else accept(converted);
    } catch (failure) {
      setError(failure instanceof ApiError ? failure : new ApiError(0, String(failure), '', []));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog open={open} onClose={close} maxWidth="md" fullWidth aria-labelledby="import-title">
      <DialogTitle id="import-title">{result ? 'Review the import' : 'Import requests'}</DialogTitle>
      <DialogContent>{result ? <ImportReview result={result} /> : <ImportInput request={request} onChange={setRequest} error={error} />}</DialogContent>
      {result ? (
        <DialogActions>
          <Button onClick={() => setResult(null)}>Back</Button>
          <Button onClick={close}>Cancel</Button>
          <Button variant="contained" autoFocus onClick={() => accept(result)}>
            Open plan
          </Button>
        </DialogActions>
      ) : (
        <DialogActions>
          <Button onClick={close}>Cancel</Button>
          <Button variant="contained" disabled={!request.text.trim() || busy} onClick={submit}>
            Import
          </Button>
        </DialogActions>
      )}
    </Dialog>
  );
}

function ImportInput({ request, onChange, error }: { request: ImportRequest; onChange: (request: ImportRequest) => void; error: ApiError | null }) {
  const schema = useSchema();
  const { text, format, name, includeStatic } = request;
  const set = <K extends keyof ImportRequest>(key: K, value: ImportRequest[K]) => onChange({ ...request, [key]: value });
  return (
    <>
      <Box sx={{ display: 'flex', gap: 2, mt: 1, mb: 2, alignItems: 'center' }}>
        <TextField select label="Format" value={format} onChange={(event) => set('format', event.target.value)} sx={{ width: 260 }}>
          <MenuItem value="">
            <em>Detect it</em>
          </MenuItem>
          {schema.importFormats.map((choice) => (
            <MenuItem key={choice.name} value={choice.name}>
              {choice.description}
            </MenuItem>
          ))}
        </TextField>
        <TextField label="Plan name" placeholder="from the import" value={name} onChange={(event) => set('name', event.target.value)} sx={{ flex: 1 }} />
        <Button component="label" startIcon={<UploadFileIcon />}>
          Upload file
          <input
            hidden
            type="file"
            aria-label="Upload a file to import"
            accept=".json,.har,.jmx,.xml,.txt,.sh,.curl,application/json,application/xml,text/plain"
            onChange={async (event) => {
              const file = event.target.files?.[0];
              event.target.value = '';
              if (!file) return;
              const uploaded = await file.text();
              onChange({ ...request, text: uploaded, name: name || file.name.replace(/\.[^.]+$/, '').replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 64) });
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
        onChange={(event) => set('text', event.target.value)}
        inputProps={{ 'aria-label': 'Text to import', spellCheck: false }}
        InputProps={{ sx: { fontFamily: 'monospace', fontSize: 12 } }}
      />
      {(format === 'har' || (!format && text.includes('"log"'))) && (
        <FormControlLabel
          control={<Checkbox checked={includeStatic} onChange={(event) => set('includeStatic', event.target.checked)} />}
          label="Keep static assets (images, scripts, styles) the browser fetched"
        />
      )}
      {error && (
        <Alert severity="error" sx={{ mt: 2 }} role="alert">
          {error.path ? `${error.path}: ` : ''}
          {error.message}
        </Alert>
      )}
    </>
  );
}
