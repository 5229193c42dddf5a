/** The TypeScript compilers, by the name each installs under in .cache/typescript/node_modules/. */
export const TYPESCRIPTS: { ts50: string; ts49: string };
/** The path of one of the compilers' `tsc` (installed or not). */
export function tscPath(name: "ts50" | "ts49"): string;
/** Installs what is missing of the compilers. */
export function installTypeScripts(): void;
