// Locust's look: its palette, and the same `localStorage.theme` switch its own toggle writes.
import { createTheme } from '@mui/material/styles';

export type Mode = 'light' | 'dark';

export function storedMode(): Mode {
  const stored = localStorage.getItem('theme');
  if (stored === 'dark' || stored === 'light') return stored;
  return window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function storeMode(mode: Mode) {
  localStorage.setItem('theme', mode);
}

export function fleetTheme(mode: Mode) {
  return createTheme({
    palette: { mode, primary: { main: '#15803d' }, success: { main: '#00C853' } },
    components: {
      MuiCssBaseline: { styleOverrides: { p: { margin: 0 } } },
      MuiTextField: { defaultProps: { size: 'small' } },
      MuiSelect: { defaultProps: { size: 'small' } },
      MuiButton: { defaultProps: { size: 'small' } },
      MuiTooltip: { defaultProps: { arrow: true } },
    },
  });
}
