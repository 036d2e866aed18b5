// What a filter registers and extends (kept apart from dispatch.ts, whose exports are the module's exports).
import { RootContext, Context } from "@solo-io/proxy-runtime";

let rootFactory: ((id: u32) => RootContext) | null = null;

/** Registers the filter's root context factory (one per module; the host's root_id does not matter). */
export function registerRoot(factory: (id: u32) => RootContext): void {
  rootFactory = factory;
}

export function createRoot(id: u32): RootContext | null {
  const factory = rootFactory;
  return factory === null ? null : factory(id);
}

/** An HTTP context without the SDK's per-callback debug logging (see dispatch.ts). */
export class HttpFilter extends Context {
  onDone(): bool { return true; }
  onLog(): void {}
  onDelete(): void {}
}
