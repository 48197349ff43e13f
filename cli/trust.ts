// `dind-compose trust` / `untrust` / `trust --check`: the stack's local CA in
// the system trust store and in the NSS databases browsers read (Chrome and
// Chromium's ~/.pki/nssdb, Firefox profiles), as mkcert's install does.
//
// Where the stores are can be overridden (tests use scratch ones, and so can
// an unusual setup):
//   DIND_COMPOSE_TRUST_SYSTEM_DIR     directory of CA files the system reads
//   DIND_COMPOSE_TRUST_SYSTEM_UPDATE  command that rebuilds the system bundle ("" for none)
//   DIND_COMPOSE_TRUST_NSS_DBS        NSS database directories, ':'-separated

import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export interface SystemStore {
    readonly dir: string;
    /** The command that rebuilds the system's bundle from `dir`, or none. */
    readonly update: string[];
}

export interface TrustStores {
    /** Undefined when this system's store is not one dind-compose knows. */
    readonly system?: SystemStore;
    readonly nssDbs: string[];
}

export interface TrustLine {
    readonly where: string;
    readonly ok: boolean;
    readonly what: string;
}

const KNOWN_SYSTEM_STORES: SystemStore[] = [
    { dir: "/usr/local/share/ca-certificates", update: ["update-ca-certificates"] }, // Debian, Ubuntu, Alpine
    { dir: "/etc/pki/ca-trust/source/anchors", update: ["update-ca-trust", "extract"] }, // Fedora, RHEL
    { dir: "/etc/ca-certificates/trust-source/anchors", update: ["update-ca-trust", "extract"] }, // Arch
];

export function trustStores(env: NodeJS.ProcessEnv = process.env, home = os.homedir()): TrustStores {
    let system: SystemStore | undefined;
    if (env.DIND_COMPOSE_TRUST_SYSTEM_DIR !== undefined) {
        const update = (env.DIND_COMPOSE_TRUST_SYSTEM_UPDATE ?? "").split(" ").filter(Boolean);
        system = { dir: env.DIND_COMPOSE_TRUST_SYSTEM_DIR, update };
    } else {
        system = KNOWN_SYSTEM_STORES.find((s) => fs.existsSync(s.dir));
    }
    let nssDbs: string[];
    if (env.DIND_COMPOSE_TRUST_NSS_DBS !== undefined) {
        nssDbs = env.DIND_COMPOSE_TRUST_NSS_DBS.split(":").filter(Boolean);
    } else {
        const profiles = (dir: string) =>
            fs.existsSync(dir)
                ? fs
                      .readdirSync(dir)
                      .map((p) => path.join(dir, p))
                      .filter((p) => fs.existsSync(path.join(p, "cert9.db")))
                : [];
        nssDbs = [
            path.join(home, ".pki", "nssdb"),
            path.join(home, "snap", "chromium", "current", ".pki", "nssdb"),
            ...profiles(path.join(home, ".mozilla", "firefox")),
            ...profiles(path.join(home, "snap", "firefox", "common", ".mozilla", "firefox")),
        ].filter((d) => fs.existsSync(path.join(d, "cert9.db")));
    }
    return { system, nssDbs };
}

export const caFileName = (stack: string) => `dind-compose-${stack.replace(/[^A-Za-z0-9_.-]/g, "_")}.crt`;
export const caNickname = (stack: string) => `dind-compose ${stack} local CA`;

/** PEM bodies compared without line-ending or blank-line differences. */
export function samePem(a: string, b: string): boolean {
    const norm = (s: string) => s.replace(/\r/g, "").split("\n").map((l) => l.trim()).filter(Boolean).join("\n");
    return norm(a) === norm(b);
}

function certutil(args: string[]): { code: number; stdout: string; stderr: string } {
    const r = spawnSync("certutil", args, { encoding: "utf8", timeout: 30000 });
    if (r.error) {
        return { code: 127, stdout: "", stderr: (r.error as NodeJS.ErrnoException).code === "ENOENT" ? "certutil is not installed (Debian/Ubuntu: apt-get install libnss3-tools)" : r.error.message };
    }
    return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr.trim() };
}

/** What a store holds under this stack's name: nothing, this CA, or another CA (an earlier stack of that name). */
type Held = "nothing" | "this CA" | "another CA";

function held(present: string | undefined, caPem: string): Held {
    return present === undefined ? "nothing" : samePem(present, caPem) ? "this CA" : "another CA";
}

function systemHas(file: string): string | undefined {
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
}

function nssHas(db: string, stack: string): string | undefined {
    const r = certutil(["-L", "-d", `sql:${db}`, "-n", caNickname(stack), "-a"]);
    return r.code === 0 ? r.stdout : undefined;
}

/** Where the CA is trusted and where not; changes nothing. */
export function checkTrust(stores: TrustStores, stack: string, caPem: string): TrustLine[] {
    const lines: TrustLine[] = [];
    if (stores.system === undefined) {
        lines.push({ where: "system store", ok: false, what: "not one dind-compose knows (Debian/Ubuntu, Fedora/RHEL, Arch): trust the CA by hand" });
    } else {
        const file = path.join(stores.system.dir, caFileName(stack));
        const what = { nothing: "not trusted", "this CA": "trusted", "another CA": "holds another CA of this stack's name (run dind-compose trust)" };
        const h = held(systemHas(file), caPem);
        lines.push({ where: `system store (${file})`, ok: h === "this CA", what: what[h] });
    }
    if (stores.nssDbs.length === 0) {
        lines.push({ where: "browsers (NSS)", ok: true, what: "no NSS database found (no Chrome/Chromium/Firefox profile): nothing to do" });
    }
    for (const db of stores.nssDbs) {
        const what = { nothing: "not trusted", "this CA": "trusted", "another CA": "holds another CA of this stack's name" };
        const h = held(nssHas(db, stack), caPem);
        lines.push({ where: `NSS database ${db}`, ok: h === "this CA", what: what[h] });
    }
    return lines;
}

/** Installs the CA everywhere it is missing; what it changed. */
export function installTrust(stores: TrustStores, stack: string, caPem: string): TrustLine[] {
    const lines: TrustLine[] = [];
    if (stores.system === undefined) {
        lines.push({ where: "system store", ok: false, what: "not one dind-compose knows: trust the CA by hand (dind-compose's caCertificate output)" });
    } else {
        const file = path.join(stores.system.dir, caFileName(stack));
        if (held(systemHas(file), caPem) === "this CA") {
            lines.push({ where: `system store (${file})`, ok: true, what: "already trusted, unchanged" });
        } else {
            try {
                fs.writeFileSync(file, caPem.endsWith("\n") ? caPem : `${caPem}\n`, { mode: 0o644 });
                lines.push({ where: `system store (${file})`, ok: true, what: `added${updateSystem(stores.system)}` });
            } catch (err) {
                lines.push({ where: `system store (${file})`, ok: false, what: writeFailure(err) });
            }
        }
    }
    for (const db of stores.nssDbs) {
        const h = held(nssHas(db, stack), caPem);
        if (h === "this CA") {
            lines.push({ where: `NSS database ${db}`, ok: true, what: "already trusted, unchanged" });
            continue;
        }
        if (h === "another CA") {
            certutil(["-D", "-d", `sql:${db}`, "-n", caNickname(stack)]);
        }
        const pemFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "dc-trust-")), "ca.pem");
        fs.writeFileSync(pemFile, caPem);
        const r = certutil(["-A", "-d", `sql:${db}`, "-t", "C,,", "-n", caNickname(stack), "-i", pemFile]);
        fs.rmSync(path.dirname(pemFile), { recursive: true, force: true });
        lines.push({ where: `NSS database ${db}`, ok: r.code === 0, what: r.code === 0 ? `added as "${caNickname(stack)}"` : `certutil failed: ${r.stderr}` });
    }
    return lines;
}

/** Removes the CA wherever it is; what it changed. */
export function removeTrust(stores: TrustStores, stack: string): TrustLine[] {
    const lines: TrustLine[] = [];
    if (stores.system !== undefined) {
        const file = path.join(stores.system.dir, caFileName(stack));
        if (!fs.existsSync(file)) {
            lines.push({ where: `system store (${file})`, ok: true, what: "not there, unchanged" });
        } else {
            try {
                fs.rmSync(file);
                lines.push({ where: `system store (${file})`, ok: true, what: `removed${updateSystem(stores.system, true)}` });
            } catch (err) {
                lines.push({ where: `system store (${file})`, ok: false, what: writeFailure(err) });
            }
        }
    }
    for (const db of stores.nssDbs) {
        if (nssHas(db, stack) === undefined) {
            lines.push({ where: `NSS database ${db}`, ok: true, what: "not there, unchanged" });
            continue;
        }
        const r = certutil(["-D", "-d", `sql:${db}`, "-n", caNickname(stack)]);
        lines.push({ where: `NSS database ${db}`, ok: r.code === 0, what: r.code === 0 ? "removed" : `certutil failed: ${r.stderr}` });
    }
    return lines;
}

/** Why changing the system store failed, saying what to do when it is a permission. */
function writeFailure(err: unknown): string {
    const code = (err as NodeJS.ErrnoException).code;
    return code === "EACCES" || code === "EPERM" ? "needs root: run it again with sudo" : (err as Error).message;
}

function updateSystem(store: SystemStore, fresh = false): string {
    if (store.update.length === 0) {
        return "";
    }
    const args = fresh && store.update[0] === "update-ca-certificates" ? [...store.update.slice(1), "--fresh"] : store.update.slice(1);
    const r = spawnSync(store.update[0], args, { encoding: "utf8", timeout: 120000 });
    return r.status === 0 ? `; ran ${store.update[0]}` : `; ${store.update[0]} failed: ${(r.stderr || r.error?.message || "").trim()}`;
}

export function formatTrust(lines: TrustLine[]): string {
    return lines.map((l) => `${l.ok ? "ok" : "!!"}  ${l.where}: ${l.what}`).join("\n");
}
