// Command-line parsing for `dind-compose`: which subcommand, its options and
// its positional arguments, with one help text per subcommand. Pure: no I/O,
// so every usage error is unit-tested (test/unit/cliArgs.test.ts).

import { parseArgs } from "util";

export class UsageError extends Error {}

export const COMMANDS = ["status", "logs", "exec", "compose", "env", "trust", "untrust", "open"] as const;
export type CommandName = (typeof COMMANDS)[number];

export interface Common {
    /** `--stack`; undefined: the selected stack, else `dev`. */
    readonly stack?: string;
    /** `--cwd`: the Pulumi project directory; undefined: the checkout the command belongs to. */
    readonly cwd?: string;
}

export type Command =
    | { name: "help"; topic?: CommandName }
    | ({ name: "status"; json: boolean } & Common)
    | ({ name: "logs"; project: string; services: string[]; follow: boolean; since?: string; tail?: string } & Common)
    | ({ name: "exec"; project: string; service: string; command: string[] } & Common)
    | ({ name: "compose"; project: string; args: string[] } & Common)
    | ({ name: "env"; project: string } & Common)
    | ({ name: "trust"; check: boolean } & Common)
    | ({ name: "untrust" } & Common)
    | ({ name: "open"; route: string; print: boolean } & Common);

const COMMON_HELP = `  --stack NAME   the stack (default: the selected stack, else dev)
  --cwd DIR      the Pulumi project directory (default: this checkout)
  -h, --help     this help`;

export const HELP: Record<CommandName | "main", string> = {
    main: `usage: dind-compose COMMAND [ARGS...] [--stack NAME]

Day-to-day commands for a dind-compose stack that \`pulumi up\` brought up.

commands:
  status                      projects, services, health and routes (--json for scripts)
  logs PROJECT [SERVICE...]   a project's compose logs (-f to follow, --since, --tail)
  exec PROJECT SERVICE [CMD]  run CMD (default: sh) in a service's container
  compose PROJECT ARGS...     any docker compose command against the project
  env PROJECT                 export lines pointing your docker CLI at the project's daemon
  trust [--check]             trust the stack's CA in the system store and browsers
  untrust                     remove that trust again
  open ROUTE                  print (and open) a route's URL

\`dind-compose COMMAND --help\` describes each command.`,
    status: `usage: dind-compose status [--json] [--stack NAME]

Per project: its daemon and runner, each service's state, health and published
ports; per route: its URL and the HTTP status it answers with right now.
Exits 1 when anything is unhealthy, 0 otherwise.

  --json         one JSON document instead of tables
${COMMON_HELP}`,
    logs: `usage: dind-compose logs PROJECT [SERVICE...] [-f] [--since WHEN] [--tail N]

The project's compose logs (all services, or those named), as
\`docker compose logs\` prints them.

  -f, --follow   keep following
  --since WHEN   only since WHEN (e.g. 10m, 2026-01-01T10:00:00)
  --tail N       only the last N lines per service
${COMMON_HELP}`,
    exec: `usage: dind-compose exec PROJECT SERVICE [CMD [ARGS...]]

Runs CMD (default: sh) in the service's container, interactively when a
terminal is attached. Options for dind-compose go before PROJECT; everything
after SERVICE belongs to CMD.
${COMMON_HELP}`,
    compose: `usage: dind-compose compose PROJECT ARGS...

Runs \`docker compose ARGS...\` against the project: from its directory,
with its compose files, profiles and environment, on its own daemon.
Options for dind-compose go before PROJECT; everything after it is compose's.
${COMMON_HELP}`,
    env: `usage: eval "$(dind-compose env PROJECT)"

Prints DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH export lines that
point your own docker CLI (and docker compose) at the project's daemon. The
project's client certificate and key are written to
$DIND_COMPOSE_HOME/certs/STACK/PROJECT (directory 0700, key 0600). Needs
\`dockerPort\` on the project in Pulumi.STACK.yaml.
${COMMON_HELP}`,
    trust: `usage: dind-compose trust [--check]

Installs the stack's local CA into the system trust store (needs root) and
into every NSS database browsers use that exists (needs certutil), and says
what it changed. With --check, changes nothing: reports where the CA is
trusted and where not, and exits 1 unless trusted everywhere.

  --check        report only
${COMMON_HELP}`,
    untrust: `usage: dind-compose untrust

Removes the stack's CA from the system store and the NSS databases again.
${COMMON_HELP}`,
    open: `usage: dind-compose open ROUTE [--print]

Prints the route's HTTPS URL and opens it with the desktop's opener when
there is one. ROUTE is a route host (a.project.localhost) or a project with
one route.

  --print        only print the URL
${COMMON_HELP}`,
};

const COMMON_OPTIONS = {
    stack: { type: "string" },
    cwd: { type: "string" },
    help: { type: "boolean", short: "h" },
} as const;

/** Parses `argv` (without node and the script): the command, or a UsageError naming what is wrong. */
export function parseCommand(argv: readonly string[]): Command {
    const [first, ...rest] = argv;
    if (first === undefined || first === "help" || first === "--help" || first === "-h") {
        const topic = first === "help" ? rest[0] : undefined;
        if (topic !== undefined && !isCommand(topic)) {
            throw new UsageError(`unknown command "${topic}"; the commands are ${COMMANDS.join(", ")}`);
        }
        return { name: "help", topic };
    }
    if (!isCommand(first)) {
        throw new UsageError(`unknown command "${first}"; the commands are ${COMMANDS.join(", ")} (dind-compose --help)`);
    }
    switch (first) {
        case "status": {
            const { values, positionals } = parse(first, rest, { json: { type: "boolean" } }, false);
            if (values.help) return { name: "help", topic: first };
            noPositionals(first, positionals);
            return { name: first, json: values.json === true, ...common(values) };
        }
        case "logs": {
            const { values, positionals } = parse(first, rest, { follow: { type: "boolean", short: "f" }, since: { type: "string" }, tail: { type: "string" } }, false);
            if (values.help) return { name: "help", topic: first };
            const [project, ...services] = positionals;
            if (values.tail !== undefined && !/^(\d+|all)$/.test(values.tail as string)) {
                throw new UsageError(`logs: --tail takes a number of lines or "all", not "${values.tail}"`);
            }
            return { name: first, project: required(first, "PROJECT", project), services, follow: values.follow === true, since: values.since as string | undefined, tail: values.tail as string | undefined, ...common(values) };
        }
        case "exec": {
            // Everything after SERVICE is the command's, options included.
            const { values, positionals } = parse(first, rest, {}, true);
            if (values.help) return { name: "help", topic: first };
            const [project, service, ...command] = positionals;
            return { name: first, project: required(first, "PROJECT", project), service: required(first, "SERVICE", service), command, ...common(values) };
        }
        case "compose": {
            const { values, positionals } = parse(first, rest, {}, true, 1);
            if (values.help) return { name: "help", topic: first };
            const [project, ...args] = positionals;
            if (args.length === 0) {
                throw new UsageError("compose: give the compose command after PROJECT, e.g. dind-compose compose project-a ps");
            }
            return { name: first, project: required(first, "PROJECT", project), args, ...common(values) };
        }
        case "env": {
            const { values, positionals } = parse(first, rest, {}, false);
            if (values.help) return { name: "help", topic: first };
            const [project, ...extra] = positionals;
            noPositionals(first, extra);
            return { name: first, project: required(first, "PROJECT", project), ...common(values) };
        }
        case "trust": {
            const { values, positionals } = parse(first, rest, { check: { type: "boolean" } }, false);
            if (values.help) return { name: "help", topic: first };
            noPositionals(first, positionals);
            return { name: first, check: values.check === true, ...common(values) };
        }
        case "untrust": {
            const { values, positionals } = parse(first, rest, {}, false);
            if (values.help) return { name: "help", topic: first };
            noPositionals(first, positionals);
            return { name: first, ...common(values) };
        }
        case "open": {
            const { values, positionals } = parse(first, rest, { print: { type: "boolean" } }, false);
            if (values.help) return { name: "help", topic: first };
            const [route, ...extra] = positionals;
            noPositionals(first, extra);
            return { name: first, route: required(first, "ROUTE", route), print: values.print === true, ...common(values) };
        }
    }
}

function isCommand(word: string): word is CommandName {
    return (COMMANDS as readonly string[]).includes(word);
}

type Spec = Record<string, { type: "string" | "boolean"; short?: string }>;

/**
 * Options then positionals. With `passThrough`, parsing stops at the
 * `keep`+1-th positional (for exec: after PROJECT and SERVICE; for compose:
 * after PROJECT), so the rest reaches the inner command untouched.
 */
function parse(command: string, args: readonly string[], extra: Spec, passThrough: boolean, keep = 2): { values: Record<string, unknown>; positionals: string[] } {
    let own = [...args];
    let tail: string[] = [];
    if (passThrough) {
        let seen = 0;
        for (let i = 0; i < args.length; i++) {
            const a = args[i];
            if (a === "--") {
                own = args.slice(0, i);
                tail = args.slice(i + 1);
                break;
            }
            if (a.startsWith("-")) {
                if (a === "--stack" || a === "--cwd") i++;
                continue;
            }
            seen++;
            if (seen === keep) {
                own = args.slice(0, i + 1);
                // A `--` right after it only separates, as usual.
                tail = args[i + 1] === "--" ? args.slice(i + 2) : args.slice(i + 1);
                break;
            }
        }
    }
    try {
        const { values, positionals } = parseArgs({ args: own, options: { ...COMMON_OPTIONS, ...extra }, allowPositionals: true, strict: true });
        return { values, positionals: [...positionals, ...tail] };
    } catch (err) {
        throw new UsageError(`${command}: ${(err as Error).message.replace(/\. To specify a positional.*$/s, "")} (dind-compose ${command} --help)`);
    }
}

function common(values: Record<string, unknown>): Common {
    if (values.stack !== undefined && !/^[A-Za-z0-9_.-]+$/.test(values.stack as string)) {
        throw new UsageError(`--stack: "${values.stack}" is not a stack name (letters, digits, -, _ and .)`);
    }
    return { stack: values.stack as string | undefined, cwd: values.cwd as string | undefined };
}

function required(command: string, what: string, value: string | undefined): string {
    if (value === undefined || value === "") {
        throw new UsageError(`${command}: missing ${what} (dind-compose ${command} --help)`);
    }
    return value;
}

function noPositionals(command: string, extra: string[]): void {
    if (extra.length > 0) {
        throw new UsageError(`${command}: unexpected argument "${extra[0]}" (dind-compose ${command} --help)`);
    }
}
