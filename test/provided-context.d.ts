// Values vitest projects hand to their tests through `provide` (vite.config.ts) and `inject`.
import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Set by the 'browser-isolated' project, whose page is served with COOP/COEP. */
    isolatedPage?: boolean;
  }
}
