/** Templates are imported as text (`import t from './x.hbs?raw'`): vitest natively, esbuild via a plugin. */
declare module '*?raw' {
  const text: string;
  export default text;
}
