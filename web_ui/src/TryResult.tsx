// Try once, like Postman's Send: for each step the request as sent, the response, its time, saves and checks; for a
// WebSocket step the frames it sent and received, each with its time since the step began.
import ArrowDownwardIcon from '@mui/icons-material/ArrowDownward';
import ArrowUpwardIcon from '@mui/icons-material/ArrowUpward';
import CancelIcon from '@mui/icons-material/Cancel';
import CheckCircleIcon from '@mui/icons-material/CheckCircle';
import ExpandMoreIcon from '@mui/icons-material/ExpandMore';
import { Accordion, AccordionDetails, AccordionSummary, Alert, Box, Button, Chip, Table, TableBody, TableCell, TableRow, Typography } from '@mui/material';

import type { TryOutcome, TryStep } from './contract';

type Headers = Record<string, unknown>;
type WsResult = NonNullable<TryStep['ws']>;
type Frame = WsResult['frames'][number];

function pretty(body: string, headers: Headers | undefined): string {
  const type = String(Object.entries(headers ?? {}).find(([name]) => name.toLowerCase() === 'content-type')?.[1] ?? '');
  if (!type.includes('json') && !/^\s*[[{]/.test(body)) return body;
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

function Code({ text }: { text: string }) {
  return (
    <Box
      component="pre"
      sx={{ m: 0, p: 1, bgcolor: 'action.hover', borderRadius: 1, fontSize: 12, maxHeight: 320, overflow: 'auto', whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}
    >
      {text || '(empty)'}
    </Box>
  );
}

function HeaderTable({ headers }: { headers: Headers }) {
  return (
    <Table size="small" sx={{ mb: 1 }}>
      <TableBody>
        {Object.entries(headers).map(([name, value]) => (
          <TableRow key={name}>
            <TableCell sx={{ fontWeight: 500, width: '30%', py: 0.25 }}>{name}</TableCell>
            <TableCell sx={{ py: 0.25, wordBreak: 'break-all' }}>{String(value)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

function Outcome({ ok }: { ok: boolean }) {
  return ok ? <CheckCircleIcon color="success" fontSize="small" /> : <CancelIcon color="error" fontSize="small" />;
}

// One frame: ↑ sent or ↓ received, its data as it went over the wire, and when (ms since the step began).
function FrameRow({ frame }: { frame: Frame }) {
  const sent = frame.direction === 'sent';
  return (
    <Box sx={{ display: 'flex', gap: 1, alignItems: 'flex-start', mb: 0.5 }} data-frame={frame.direction} aria-label={`${frame.direction} frame`}>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 0.5, width: 100, flexShrink: 0, pt: 0.75 }} title={frame.direction}>
        {sent ? <ArrowUpwardIcon fontSize="small" color="primary" /> : <ArrowDownwardIcon fontSize="small" color="success" />}
        <Typography variant="body2">{frame.direction}</Typography>
      </Box>
      <Box sx={{ flex: 1, minWidth: 0 }} data-frame-data>
        <Code text={frame.data} />
      </Box>
      <Typography variant="body2" color="text.secondary" sx={{ width: 90, flexShrink: 0, textAlign: 'right', pt: 0.75 }} data-frame-time>
        {frame.atMs} ms
      </Typography>
    </Box>
  );
}

function Frames({ ws }: { ws: WsResult }) {
  return (
    <Box sx={{ mt: 1 }} aria-label="Frames">
      <Typography variant="subtitle2" sx={{ mb: 0.5 }}>
        {ws.action} · {ws.timeMs} ms · {ws.frames.length === 1 ? '1 frame' : `${ws.frames.length} frames`}
      </Typography>
      {ws.frames.length === 0 && (
        <Typography variant="body2" color="text.secondary">
          No message sent or received in this step.
        </Typography>
      )}
      {ws.frames.map((frame, index) => (
        <FrameRow key={index} frame={frame} />
      ))}
    </Box>
  );
}

function summary(step: TryStep): string {
  if (step.request) return `${step.request.method} ${step.request.url}`;
  if (step.ws) return `WS ${step.ws.action}`;
  return step.path;
}

function StepResult({ step }: { step: TryStep }) {
  const response = step.response;
  return (
    <Accordion defaultExpanded={!step.ok} disableGutters data-step-path={step.path} aria-label={`Result of ${step.name}`}>
      <AccordionSummary expandIcon={<ExpandMoreIcon />}>
        <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, width: '100%' }}>
          <Outcome ok={step.ok} />
          <Typography sx={{ fontWeight: 500 }}>{step.name}</Typography>
          <Typography variant="body2" color="text.secondary" sx={{ flex: 1 }}>
            {summary(step)}
          </Typography>
          {step.ws && <Typography variant="body2">{step.ws.timeMs} ms</Typography>}
          {response && <Chip size="small" label={response.status} color={response.status < 400 ? 'success' : 'error'} variant="outlined" />}
          {response && <Typography variant="body2">{response.timeMs} ms</Typography>}
        </Box>
      </AccordionSummary>
      <AccordionDetails>
        {step.error && <Alert severity="error" sx={{ mb: 1 }}>{step.error}</Alert>}
        {(step.checks ?? []).map((check, index) => (
          <Box key={index} sx={{ display: 'flex', gap: 1, alignItems: 'center', mb: 0.5 }} data-check={check.ok ? 'passed' : 'failed'}>
            <Outcome ok={check.ok} />
            <Typography variant="body2" sx={{ fontFamily: 'monospace' }}>
              {check.label}
            </Typography>
            {check.kind === 'save' && check.ok && check.value != null && (
              <Typography variant="body2" color="text.secondary">
                = {JSON.stringify(check.value)}
              </Typography>
            )}
            {check.message && (
              <Typography variant="body2" color="error">
                {check.message}
              </Typography>
            )}
          </Box>
        ))}
        {step.ws && <Frames ws={step.ws} />}
        {(step.request || response) && (
          <Box sx={{ display: 'grid', gridTemplateColumns: '1fr 1fr', gap: 2, mt: 1 }}>
            {step.request && (
              <Box>
                <Typography variant="subtitle2">Request</Typography>
                <Typography variant="body2" sx={{ fontFamily: 'monospace', mb: 1, wordBreak: 'break-all' }}>
                  {step.request.method} {step.request.url}
                </Typography>
                <HeaderTable headers={step.request.headers} />
                {step.request.body && <Code text={pretty(step.request.body, step.request.headers)} />}
              </Box>
            )}
            {response && (
              <Box>
                <Typography variant="subtitle2">
                  Response: {response.status} · {response.timeMs} ms · {response.bodyBytes} bytes
                </Typography>
                <HeaderTable headers={response.headers} />
                <Code text={pretty(response.body, response.headers)} />
              </Box>
            )}
          </Box>
        )}
      </AccordionDetails>
    </Accordion>
  );
}

export function TryResult({ outcome, onReveal }: { outcome: TryOutcome; onReveal: () => void }) {
  const passed = outcome.steps.filter((step) => step.ok).length;
  return (
    <Box aria-label="Try once result">
      <Alert severity={outcome.ok ? 'success' : 'error'} sx={{ mb: 1 }}>
        {outcome.ok ? `All ${outcome.steps.length} steps passed` : `${passed} of ${outcome.steps.length} steps passed`}
      </Alert>
      {!outcome.revealed && (
        <Alert
          severity="info"
          sx={{ mb: 1 }}
          aria-label="Secrets masked"
          action={
            <Button color="inherit" size="small" onClick={onReveal}>
              Run again showing them
            </Button>
          }
        >
          Credentials (Authorization, Cookie, API keys) and the plan's secrets are shown as ••••••.
        </Alert>
      )}
      {outcome.steps.map((step) => (
        <StepResult key={step.path} step={step} />
      ))}
      <Typography variant="subtitle2" sx={{ mt: 2 }}>
        Variables after the run
      </Typography>
      <HeaderTable headers={outcome.variables} />
    </Box>
  );
}
