// Browser screenshots the workers kept (the first failure of each journey step, the latest SCREENSHOT steps).
import { Box, Card, CardActionArea, CardContent, CardMedia, Dialog, Paper, Typography } from '@mui/material';
import { useState } from 'react';

import { api } from './api';
import type { Screenshot } from './contract';
import { usePolling } from './polling';

export function Screenshots() {
  const { data } = usePolling(api.screenshots, 3000);
  const [shown, setShown] = useState<Screenshot | null>(null);
  const shots = data ?? [];
  return (
    <Paper variant="outlined" sx={{ p: 2, mt: 2 }} component="section" aria-label="Browser screenshots">
      <Typography variant="h6" sx={{ fontSize: 17, mb: 1 }}>
        Browser screenshots <Typography component="span" color="text.secondary">({shots.length})</Typography>
      </Typography>
      {shots.length === 0 && (
        <Typography color="text.secondary">
          None in this run. Browser users keep the first failure of each journey step here, and what SCREENSHOT steps see.
        </Typography>
      )}
      <Box sx={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(240px, 1fr))', gap: 1.5 }}>
        {shots.map((shot) => (
          <Card key={shot.id} variant="outlined" data-screenshot={shot.id}>
            <CardActionArea onClick={() => setShown(shot)} aria-label={`Screenshot of ${shot.journey}: ${shot.step}`}>
              <CardMedia component="img" height="130" image={api.screenshotUrl(shot.id)} alt={`${shot.journey}: ${shot.step}`} sx={{ objectFit: 'cover', objectPosition: 'top' }} />
              <CardContent sx={{ p: 1 }}>
                <Typography variant="body2" sx={{ fontWeight: 500 }} noWrap>
                  {shot.journey}: {shot.step}
                </Typography>
                <Typography variant="caption" color={shot.kind === 'failure' ? 'error' : 'text.secondary'} sx={{ display: 'block' }}>
                  {shot.message || 'SCREENSHOT step'}
                </Typography>
                <Typography variant="caption" color="text.secondary" noWrap sx={{ display: 'block' }}>
                  {shot.url} · {shot.source}
                </Typography>
              </CardContent>
            </CardActionArea>
          </Card>
        ))}
      </Box>
      <Dialog open={Boolean(shown)} onClose={() => setShown(null)} maxWidth="lg">
        {shown && (
          <Box sx={{ p: 2 }}>
            <Typography sx={{ mb: 1 }}>
              {shown.journey}: {shown.step} — {shown.message || 'SCREENSHOT step'} ({shown.url})
            </Typography>
            <img src={api.screenshotUrl(shown.id)} alt={`${shown.journey}: ${shown.step}`} style={{ maxWidth: '100%' }} />
          </Box>
        )}
      </Dialog>
    </Paper>
  );
}
