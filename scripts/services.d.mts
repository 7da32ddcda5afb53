export declare const endpoints: { jaegerQuery: string; otlpHttp: string; redis: string; amqp: string };
export declare const serviceNames: string[];
export declare function up(names?: string[]): Promise<string[]>;
export declare function down(names?: string[]): Promise<void>;
export declare function status(): Promise<Record<string, boolean>>;
export declare function jaegerUiTags(jaegerVersion: string | null | undefined): string[];
export declare function jaegerUiDir(jaegerVersion: string | null | undefined, env?: NodeJS.ProcessEnv): Promise<string | null>;
export declare function jaegerArgs(baseConfig: string, uiDir: string | null, stateIn?: string): string[];
export declare function jaegerLaunch(
  overlays?: string,
  dataDir?: string,
): { args: string[]; env: Record<string, string>; dataDir: string };
