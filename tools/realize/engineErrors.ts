// What the realizer reads from a failed Docker API call (dockerode's errors): the HTTP status and
// the engine's own message, shared by the container and the Swarm code.

interface HttpError {
    statusCode?: number;
    json?: { message?: string } | null;
    message?: string;
}

export function statusOf(error: unknown): number | undefined {
    return typeof error === "object" && error !== null ? (error as HttpError).statusCode : undefined;
}

export function messageOf(error: unknown): string {
    if (typeof error === "object" && error !== null) {
        const e = error as HttpError;
        const fromEngine = e.json?.message;
        if (typeof fromEngine === "string" && fromEngine !== "") return fromEngine;
        if (typeof e.message === "string") return e.message;
    }
    return String(error);
}
