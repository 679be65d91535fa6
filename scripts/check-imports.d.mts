export function importsOf(source: string): { spec: string; line: number; typeOnly: boolean }[];
export function checkFile(rel: string, source: string): string[];
export function checkTree(root: string): string[];
