/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** The API's origin when it is not this page's own (only `npm run dev`, see .env.development). */
  readonly VITE_API_BASE?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
