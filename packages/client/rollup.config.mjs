import { dts } from 'rollup-plugin-dts';

// One self-contained .d.ts: our own packages' types (the router, its schemas,
// the error codes) are inlined; everything else stays an import, and unused
// imports are dropped. The client's test checks that only the peer
// dependencies (@trpc/*, zod) remain, i.e. that the router's type mentions
// nothing a frontend cannot install.
const ours = (id) => id.startsWith('.') || id.startsWith('/') || id.startsWith('@seed-pms/');

export default {
  input: 'dist/tsc/index.d.ts',
  output: { file: 'dist/index.d.ts', format: 'es' },
  external: (id) => !ours(id),
  plugins: [
    dts({
      respectExternal: true,
      tsconfig: 'tsconfig.json',
      compilerOptions: { customConditions: [], composite: false, declarationMap: false },
    }),
  ],
};
