export function chromiumExecutable(): string;
export const chromiumArgs: string[];
