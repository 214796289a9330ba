import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import pluginVue from 'eslint-plugin-vue';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '.nx/**',
      'coverage/**',
      '.cinatra-data/**',
      'extensions/*/build/**',
      'extensions/*/dist-package/**',
      'ui/src/api/schema.d.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
    },
  },
  ...pluginVue.configs['flat/recommended'],
  {
    // The admin UI runs in the browser; its .vue files hold TypeScript.
    files: ['ui/**/*.{ts,vue}'],
    languageOptions: {
      globals: globals.browser,
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] },
    },
    rules: {
      // Prettier owns formatting; these stylistic rules would fight it.
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/html-indent': 'off',
      'vue/html-closing-bracket-newline': 'off',
      // Optional props are typed as optional; a default of undefined says nothing more.
      'vue/require-default-prop': 'off',
    },
  },
  {
    // Command-line entry points and benchmarks talk to a terminal on purpose.
    files: ['host/src/cli/**/*.ts', 'bench/**/*.{js,ts}'],
    rules: { 'no-console': 'off' },
  },
);
