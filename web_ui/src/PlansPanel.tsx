// The saved plans (from etcd), with what can be done to each: open, duplicate, rename, export, eject, delete.
import AddIcon from '@mui/icons-material/Add';
import FileUploadIcon from '@mui/icons-material/FileUpload';
import MoreVertIcon from '@mui/icons-material/MoreVert';
import { Box, Button, IconButton, List, ListItemButton, ListItemText, Menu, MenuItem, Typography } from '@mui/material';
import { useState } from 'react';

import { api, type PlanSummary } from './api';

export interface PlanActions {
  open: (name: string) => void;
  create: () => void;
  importPlan: () => void;
  duplicate: (name: string) => void;
  rename: (name: string) => void;
  exportPlan: (name: string) => void;
  remove: (name: string) => void;
}

export function PlansPanel({ plans, current, actions }: { plans: PlanSummary[]; current: string | null; actions: PlanActions }) {
  const [menu, setMenu] = useState<{ anchor: HTMLElement; name: string } | null>(null);
  const run = (action: (name: string) => void) => () => {
    if (menu) action(menu.name);
    setMenu(null);
  };
  return (
    <Box component="nav" aria-label="Plans" sx={{ width: 240, flexShrink: 0, borderRight: 1, borderColor: 'divider', display: 'flex', flexDirection: 'column' }}>
      <Box sx={{ display: 'flex', gap: 1, p: 1.5 }}>
        <Button variant="contained" startIcon={<AddIcon />} onClick={actions.create} sx={{ flex: 1 }}>
          New
        </Button>
        <Button variant="outlined" startIcon={<FileUploadIcon />} onClick={actions.importPlan} sx={{ flex: 1 }}>
          Import
        </Button>
      </Box>
      <Typography variant="overline" sx={{ px: 2, color: 'text.secondary' }}>
        Saved plans ({plans.length})
      </Typography>
      <List dense sx={{ overflow: 'auto', flex: 1 }}>
        {plans.length === 0 && (
          <Typography variant="body2" color="text.secondary" sx={{ px: 2 }}>
            None yet: create one or import Postman, JMeter, HAR, cURL.
          </Typography>
        )}
        {plans.map((plan) => (
          <ListItemButton key={plan.name} selected={plan.name === current} onClick={() => actions.open(plan.name)} sx={{ pr: 0.5 }}>
            <ListItemText primary={plan.name} secondary={`revision ${plan.revision}`} primaryTypographyProps={{ noWrap: true }} />
            <IconButton
              edge="end"
              aria-label={`Actions for ${plan.name}`}
              onClick={(event) => {
                event.stopPropagation();
                setMenu({ anchor: event.currentTarget, name: plan.name });
              }}
            >
              <MoreVertIcon fontSize="small" />
            </IconButton>
          </ListItemButton>
        ))}
      </List>
      <Menu anchorEl={menu?.anchor} open={Boolean(menu)} onClose={() => setMenu(null)}>
        <MenuItem onClick={run(actions.duplicate)}>Duplicate</MenuItem>
        <MenuItem onClick={run(actions.rename)}>Rename</MenuItem>
        <MenuItem onClick={run(actions.exportPlan)}>Export JSON</MenuItem>
        <MenuItem component="a" href={menu ? api.ejectUrl(menu.name) : undefined} download onClick={() => setMenu(null)}>
          Eject locustfile
        </MenuItem>
        <MenuItem onClick={run(actions.remove)} sx={{ color: 'error.main' }}>
          Delete
        </MenuItem>
      </Menu>
    </Box>
  );
}
