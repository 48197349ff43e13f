// `dind-compose env PROJECT`: points your own docker CLI at one project's
// daemon (the write-up's .envrc trick). Writes the project's CA, client
// certificate and client key into a private directory and returns the export
// lines, quoted for the shell that evals them. The key comes from the stack's
// secret output through the Automation API (a pipe), and goes into its file
// from this process: it is never a process argument, where `ps` would show it.

import * as fs from "fs";
import * as path from "path";
import { CliError, type ProjectInfo } from "./stackInfo";

/** POSIX single quoting: safe to eval in sh, bash and zsh whatever the value holds. */
export function shellQuote(value: string): string {
    return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Makes each directory from `base` down to `dir` exist with mode 0700, also when it existed with a looser one. */
function privateDirs(base: string, dir: string): void {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const relative = path.relative(base, dir).split(path.sep).filter(Boolean);
    let current = base;
    for (const part of relative) {
        current = path.join(current, part);
        fs.chmodSync(current, 0o700);
    }
}

/** Writes `content` to `file` with `mode` by a fresh file renamed over the old one, whatever the old one's mode was. */
function writePrivate(file: string, content: string, mode: number): void {
    const fresh = `${file}.new`;
    fs.rmSync(fresh, { force: true });
    fs.writeFileSync(fresh, content, { mode, flag: "wx" });
    fs.chmodSync(fresh, mode);
    fs.renameSync(fresh, file);
}

/** Writes the project's client files under `home`/certs/STACK/PROJECT; the export lines. */
export function writeDockerEnv(home: string, stack: string, project: ProjectInfo, clientKey: string | undefined): string {
    if (project.dockerHost === undefined || project.dockerHost === "") {
        throw new CliError(`project ${project.name} does not publish its daemon: add "dockerPort: <port>" to it in Pulumi.${stack}.yaml and run pulumi up`);
    }
    if (clientKey === undefined || clientKey === "") {
        throw new CliError(`stack ${stack} has no client key for project ${project.name}: run pulumi up`);
    }
    const certs = path.join(home, "certs");
    const dir = path.join(certs, stack, project.name);
    fs.mkdirSync(home, { recursive: true });
    privateDirs(home, dir);
    writePrivate(path.join(dir, "ca.pem"), project.tlsCaCert, 0o644);
    writePrivate(path.join(dir, "cert.pem"), project.tlsClientCert, 0o644);
    writePrivate(path.join(dir, "key.pem"), clientKey, 0o600);
    return [`export DOCKER_HOST=${shellQuote(project.dockerHost)}`, "export DOCKER_TLS_VERIFY=1", `export DOCKER_CERT_PATH=${shellQuote(dir)}`, ""].join("\n");
}
