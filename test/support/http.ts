// HTTP(S) requests to the stack's proxy on 127.0.0.1, by Host name (and SNI),
// with optional CA verification; bounded waits instead of sleeps.

import * as http from "http";
import * as https from "https";
import * as net from "net";

export interface Response {
    readonly status: number;
    readonly body: string;
    readonly headers: http.IncomingHttpHeaders;
}

export interface RequestOptions {
    readonly scheme?: "http" | "https";
    readonly port: number;
    readonly path?: string;
    /** CA certificate (PEM) to verify HTTPS against; verification is always on for HTTPS. */
    readonly ca?: string;
    readonly timeoutMs?: number;
}

/** GET `path` from the proxy on 127.0.0.1 as `host`. */
export function get(host: string, options: RequestOptions): Promise<Response> {
    const scheme = options.scheme ?? "http";
    const port = options.port;
    const common = {
        host: "127.0.0.1",
        port,
        path: options.path ?? "/",
        headers: { Host: port === (scheme === "http" ? 80 : 443) ? host : `${host}:${port}` },
        timeout: options.timeoutMs ?? 10000,
        agent: false as const,
    };
    return new Promise((resolve, reject) => {
        const onResponse = (res: http.IncomingMessage) => {
            let body = "";
            res.setEncoding("utf8");
            res.on("data", (chunk) => (body += chunk));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
        };
        const req =
            scheme === "https"
                ? https.request({ ...common, servername: host, ca: options.ca, rejectUnauthorized: true }, onResponse)
                : http.request(common, onResponse);
        req.on("timeout", () => req.destroy(new Error(`timed out: ${scheme}://${host}:${port}${common.path}`)));
        req.on("error", reject);
        req.end();
    });
}

/** Polls `check` every second until it returns true, for at most `seconds`; returns the last error when it gives up. */
export async function waitFor(what: string, seconds: number, check: () => Promise<boolean>): Promise<number> {
    const started = Date.now();
    let last = "";
    while (Date.now() - started < seconds * 1000) {
        try {
            if (await check()) {
                return (Date.now() - started) / 1000;
            }
            last = "condition not met";
        } catch (err) {
            last = String(err);
        }
        await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    throw new Error(`gave up after ${seconds}s waiting for ${what}: ${last}`);
}

/** Whether nothing listens on 127.0.0.1:`port` (checked by binding it briefly). */
export function portIsFree(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const server = net.createServer();
        server.once("error", () => resolve(false));
        server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
    });
}
