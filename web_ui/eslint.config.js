import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig({
  files: ['src/**/*.{ts,tsx}'],
  extends: [js.configs.recommended, tseslint.configs.recommended, reactHooks.configs.flat.recommended],
  rules: {
    // Leaving keys out of an object by destructuring them away is how the editors drop fields from a plan.
    '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
  },
});
