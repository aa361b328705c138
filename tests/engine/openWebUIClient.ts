// A client of the real Open WebUI, as its browser front end talks to it: the auth routes of
// routers/auths.py (0.12.4: POST /api/v1/auths/signup, /signin, /signout; GET /api/v1/auths/ for the
// signed-in user), a channel route whose handler emits a Socket.IO event to the user's room
// (routers/channels.py `update_member_mute_status` → `emit_to_users("events:channel", …)`), and a
// Socket.IO connection on /ws/socket.io authenticated by the token, as socket/main.py `connect` reads it.
import { Socket, io } from "socket.io-client";
import { waitFor } from "./harness";

export interface ApiResponse<T = unknown> {
    status: number;
    body: T;
}

export interface SignedIn {
    token: string;
    id: string;
    email: string;
    /** The token's `jti` (its revocation key names it) and `exp`, read from its payload. */
    jti: string;
    exp: number;
}

/** The password every test user gets; Open WebUI 0.12.4 accepts it under its default policy. */
export const TEST_PASSWORD = "Engine-test-password-1";

export class OpenWebUIClient {
    constructor(
        readonly port: number,
        /** The address the port is published on: this host, or a Swarm node's. */
        readonly host = "127.0.0.1",
    ) {}

    get base(): string {
        return `http://${this.host}:${this.port}`;
    }

    async request<T = unknown>(method: "GET" | "POST", path: string, body?: unknown, token?: string): Promise<ApiResponse<T>> {
        const res = await fetch(this.base + path, {
            method,
            headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
            body: body === undefined ? undefined : JSON.stringify(body),
            signal: AbortSignal.timeout(30_000),
        });
        const text = await res.text();
        let parsed: unknown = text;
        try {
            parsed = text ? JSON.parse(text) : undefined;
        } catch {
            // not JSON (e.g. the front end's HTML): keep the text
        }
        return { status: res.status, body: parsed as T };
    }

    /** Signs the first user up (the admin; sign-up then closes); fails the test with Open WebUI's answer otherwise. */
    async signUp(email: string, name = email.split("@")[0]): Promise<SignedIn> {
        const r = await this.request<{ token?: string; id?: string }>("POST", "/api/v1/auths/signup", { name, email, password: TEST_PASSWORD });
        if (r.status !== 200 || !r.body?.token) throw new Error(`sign-up of ${email} on port ${this.port}: ${r.status} ${JSON.stringify(r.body)}`);
        return signedIn(email, r.body.token, r.body.id as string);
    }

    /** Adds a user as the admin does (sign-up closes after the first user); then signs them in. */
    async addUser(adminToken: string, email: string, role = "user"): Promise<SignedIn> {
        const r = await this.request("POST", "/api/v1/auths/add", { name: email.split("@")[0], email, password: TEST_PASSWORD, role }, adminToken);
        if (r.status !== 200) throw new Error(`adding ${email} on port ${this.port}: ${r.status} ${JSON.stringify(r.body)}`);
        return this.signIn(email);
    }

    async signIn(email: string, password = TEST_PASSWORD): Promise<SignedIn> {
        const r = await this.signInResponse(email, password);
        if (r.status !== 200 || !r.body?.token) throw new Error(`sign-in of ${email} on port ${this.port}: ${r.status} ${JSON.stringify(r.body)}`);
        return signedIn(email, r.body.token, r.body.id as string);
    }

    signInResponse(email: string, password = TEST_PASSWORD): Promise<ApiResponse<{ token?: string; id?: string; detail?: string }>> {
        return this.request("POST", "/api/v1/auths/signin", { email, password });
    }

    /** The signed-in user's own record: 200 for a valid token, 401 for a revoked or forged one. */
    me(token: string): Promise<ApiResponse<{ id?: string; email?: string }>> {
        return this.request("GET", "/api/v1/auths/", undefined, token);
    }

    async signOut(token: string): Promise<void> {
        const r = await this.request("POST", "/api/v1/auths/signout", undefined, token);
        if (r.status !== 200) throw new Error(`sign-out on port ${this.port}: ${r.status} ${JSON.stringify(r.body)}`);
    }

    /** Creates a channel (admin only; needs ENABLE_CHANNELS) and returns its id. */
    async createChannel(token: string, name: string): Promise<string> {
        const r = await this.request<{ id?: string }>("POST", "/api/v1/channels/create", { name }, token);
        if (r.status !== 200 || !r.body?.id) throw new Error(`channel ${name} on port ${this.port}: ${r.status} ${JSON.stringify(r.body)}`);
        return r.body.id;
    }

    /** Mutes or unmutes a channel for the caller; the handler emits `events:channel` to the caller's `user:<id>` room. */
    async setChannelMuted(token: string, channelId: string, muted: boolean): Promise<void> {
        const r = await this.request("POST", `/api/v1/channels/${channelId}/members/mute`, { is_channel_muted: muted }, token);
        if (r.status !== 200) throw new Error(`mute of ${channelId} on port ${this.port}: ${r.status} ${JSON.stringify(r.body)}`);
    }

    /** A Socket.IO client on /ws/socket.io (websocket transport, as the front end uses), authenticated by `token`. */
    async connectSocket(token: string): Promise<EventSocket> {
        const socket = io(this.base, { path: "/ws/socket.io", transports: ["websocket"], auth: { token }, reconnection: false, timeout: 10_000 });
        await new Promise<void>((resolve, reject) => {
            socket.once("connect", () => resolve());
            socket.once("connect_error", (e) => reject(new Error(`Socket.IO on port ${this.port}: ${e.message}`)));
        });
        return new EventSocket(socket);
    }
}

/** A connected Socket.IO client that records what it receives. */
export class EventSocket {
    readonly received: Array<{ event: string; data: unknown; at: number }> = [];
    constructor(readonly socket: Socket) {
        socket.onAny((event: string, data: unknown) => this.received.push({ event, data, at: Date.now() }));
    }

    /** The first `event` received from now on whose data `match` accepts, with the time it arrived. */
    async next(event: string, match: (data: unknown) => boolean, timeoutMs = 10_000, since = Date.now()): Promise<{ data: unknown; at: number }> {
        return waitFor(`Socket.IO event ${event}`, timeoutMs, async () => this.received.find((r) => r.event === event && r.at >= since && match(r.data)), 20);
    }

    close(): void {
        this.socket.close();
    }
}

/** The payload of a JWT, unverified: enough to read `jti` and `exp` for the revocation checks. */
export function tokenPayload(token: string): Record<string, unknown> {
    const part = token.split(".")[1];
    if (part === undefined) throw new Error("not a JWT");
    return JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Record<string, unknown>;
}

function signedIn(email: string, token: string, id: string): SignedIn {
    const payload = tokenPayload(token);
    return { token, id, email, jti: String(payload.jti), exp: Number(payload.exp) };
}

/** The `channel:mute` event that `setChannelMuted` makes Open WebUI emit, for one channel and state. */
export function isMuteEvent(channelId: string, muted: boolean): (data: unknown) => boolean {
    return (data) => {
        const d = data as { channel_id?: string; data?: { type?: string; data?: { is_channel_muted?: boolean } } };
        return d?.channel_id === channelId && d.data?.type === "channel:mute" && d.data.data?.is_channel_muted === muted;
    };
}

/**
 * Everything a container logs from its first start, for a container that does not exist yet:
 * follows its log as soon as the engine reports the start, before log rotation (1 MB, one file:
 * the component's setting) can drop the early lines of a chatty debug log. Call `stop` at the end.
 */
export async function captureLogsFromStart(docker: import("dockerode"), containerName: string): Promise<{ text(): string; stop(): void }> {
    const chunks: Buffer[] = [];
    const streams: Array<{ destroy(): void }> = [];
    const events = (await docker.getEvents({ filters: { type: ["container"], event: ["start"], container: [containerName] } })) as unknown as NodeJS.ReadableStream & { destroy(): void };
    streams.push(events);
    let following = false;
    events.on("data", async () => {
        if (following) return;
        following = true;
        const logs = (await docker.getContainer(containerName).logs({ follow: true, stdout: true, stderr: true })) as unknown as NodeJS.ReadableStream & { destroy(): void };
        streams.push(logs);
        logs.on("data", (c: Buffer) => chunks.push(c));
    });
    return {
        text: () => Buffer.concat(chunks).toString("utf8"),
        stop: () => streams.forEach((s) => s.destroy()),
    };
}
