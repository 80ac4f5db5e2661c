// Ordered lists of plan items (steps, tasks, saves...): move, duplicate and delete, without mutating the plan.
import ArrowDownwardIcon from '@mui/icons-material/ArrowDownward';
import ArrowUpwardIcon from '@mui/icons-material/ArrowUpward';
import ContentCopyIcon from '@mui/icons-material/ContentCopy';
import DeleteOutlineIcon from '@mui/icons-material/DeleteOutline';
import { Box, IconButton, Tooltip } from '@mui/material';

export function replaceAt<T>(items: T[], index: number, item: T): T[] {
  return items.map((current, i) => (i === index ? item : current));
}

export function removeAt<T>(items: T[], index: number): T[] {
  return items.filter((_, i) => i !== index);
}

export function moveAt<T>(items: T[], index: number, delta: number): T[] {
  const target = index + delta;
  if (target < 0 || target >= items.length) return items;
  const next = [...items];
  [next[index], next[target]] = [next[target], next[index]];
  return next;
}

export function duplicateAt<T>(items: T[], index: number): T[] {
  const copy = JSON.parse(JSON.stringify(items[index]));
  return [...items.slice(0, index + 1), copy, ...items.slice(index + 1)];
}

// Sets `key` on a plan object; undefined, empty strings and empty lists remove it, so saved plans stay minimal.
export function withField<T extends object>(item: T, key: string, value: unknown): T {
  const next: any = { ...item };
  const empty = value === undefined || value === '' || (Array.isArray(value) && value.length === 0);
  if (empty) delete next[key];
  else next[key] = value;
  return next;
}

export interface ListItemActions {
  index: number;
  count: number;
  noun: string;
  onMove: (delta: number) => void;
  onDuplicate?: () => void;
  onDelete: () => void;
}

export function ItemControls({ index, count, noun, onMove, onDuplicate, onDelete }: ListItemActions) {
  const label = `${noun} ${index + 1}`;
  return (
    <Box sx={{ display: 'flex', flexShrink: 0 }}>
      <Tooltip title="Move up">
        <span>
          <IconButton aria-label={`Move ${label} up`} disabled={index === 0} onClick={() => onMove(-1)}>
            <ArrowUpwardIcon fontSize="small" />
          </IconButton>
        </span>
      </Tooltip>
      <Tooltip title="Move down">
        <span>
          <IconButton aria-label={`Move ${label} down`} disabled={index === count - 1} onClick={() => onMove(1)}>
            <ArrowDownwardIcon fontSize="small" />
          </IconButton>
        </span>
      </Tooltip>
      {onDuplicate && (
        <Tooltip title="Duplicate">
          <IconButton aria-label={`Duplicate ${label}`} onClick={onDuplicate}>
            <ContentCopyIcon fontSize="small" />
          </IconButton>
        </Tooltip>
      )}
      <Tooltip title="Delete">
        <IconButton aria-label={`Delete ${label}`} onClick={onDelete}>
          <DeleteOutlineIcon fontSize="small" />
        </IconButton>
      </Tooltip>
    </Box>
  );
}

export function listActions<T>(
  items: T[],
  index: number,
  noun: string,
  onChange: (items: T[]) => void,
  duplicable = true,
): ListItemActions {
  return {
    index,
    count: items.length,
    noun,
    onMove: (delta) => onChange(moveAt(items, index, delta)),
    onDuplicate: duplicable ? () => onChange(duplicateAt(items, index)) : undefined,
    onDelete: () => onChange(removeAt(items, index)),
  };
}
