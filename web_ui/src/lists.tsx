// Ordered lists of plan items (steps, tasks, saves...): move, duplicate and delete, without mutating the plan.
import ArrowDownwardIcon from '@mui/icons-material/ArrowDownward';
import ArrowUpwardIcon from '@mui/icons-material/ArrowUpward';
import ContentCopyIcon from '@mui/icons-material/ContentCopy';
import DeleteOutlineIcon from '@mui/icons-material/DeleteOutline';
import { Box, IconButton, Tooltip } from '@mui/material';

// An item's React key, kept beside the plan rather than in it: the plan's JSON stays as the API takes it.
// The key follows the item object when it moves, and passes to its edited copy (replaceAt), so what an
// editor shows of its own (an open tab, a collapsed step) stays with the item, not with the position.
const itemKeys = new WeakMap<object, string>();
let keysGiven = 0;

export function keyOf(item: object): string {
  let key = itemKeys.get(item);
  if (key === undefined) {
    keysGiven += 1;
    key = `item-${keysGiven}`;
    itemKeys.set(item, key);
  }
  return key;
}

export function replaceAt<T extends object>(items: T[], index: number, item: T): T[] {
  const replaced = items[index];
  if (replaced !== undefined) itemKeys.set(item, keyOf(replaced));
  return items.map((current, i) => (i === index ? item : current));
}

export function removeAt<T>(items: T[], index: number): T[] {
  return items.filter((_, i) => i !== index);
}

export function moveAt<T>(items: T[], index: number, delta: number): T[] {
  const target = index + delta;
  const moving = items[index];
  const displaced = items[target];
  if (moving === undefined || displaced === undefined) return items;
  const next = [...items];
  next[index] = displaced;
  next[target] = moving;
  return next;
}

// A copy is a new item, with a key of its own.
export function duplicateAt<T>(items: T[], index: number): T[] {
  const copy = structuredClone(items[index]);
  if (copy === undefined) return items;
  return [...items.slice(0, index + 1), copy, ...items.slice(index + 1)];
}

// Sets `key` on a plan object; undefined, empty strings and empty lists remove it, so saved plans stay minimal.
export function withField<T extends object, K extends keyof T>(item: T, key: K, value: T[K] | undefined): T {
  const next = { ...item };
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
  onDuplicate: () => void;
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
      <Tooltip title="Duplicate">
        <IconButton aria-label={`Duplicate ${label}`} onClick={onDuplicate}>
          <ContentCopyIcon fontSize="small" />
        </IconButton>
      </Tooltip>
      <Tooltip title="Delete">
        <IconButton aria-label={`Delete ${label}`} onClick={onDelete}>
          <DeleteOutlineIcon fontSize="small" />
        </IconButton>
      </Tooltip>
    </Box>
  );
}

export function listActions<T>(items: T[], index: number, noun: string, onChange: (items: T[]) => void): ListItemActions {
  return {
    index,
    count: items.length,
    noun,
    onMove: (delta) => onChange(moveAt(items, index, delta)),
    onDuplicate: () => onChange(duplicateAt(items, index)),
    onDelete: () => onChange(removeAt(items, index)),
  };
}
