export declare const BENCHMARKS_FILE: string;
export declare function updateSection(heading: string, body: string): Promise<void>;
