// Builds a stack from fixture settings under Pulumi's mocks and records what
// the program registers: each resource's type, name, inputs (secrets revealed
// for reading, and as the engine would see them) and the options the engine
// would be told (deleteBeforeReplace, retainOnDelete, dependencies).

import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { StackOutputs, buildStack } from "../../components/stack";
import { Settings } from "../../lib/config";

export interface Registered {
    type: string;
    name: string;
    urn: string;
    /** Inputs with secrets revealed, for reading. */
    inputs: any;
    /** Inputs as the engine would see them: secrets still wrapped. */
    raw: any;
    deleteBeforeReplace: boolean;
    /** Left in place by Pulumi on delete (something else removes it). */
    retainOnDelete: boolean;
    /** URNs this resource was declared to depend on (explicitly or through its inputs). */
    dependencies: string[];
    /** The URN of its parent (the stack's, for a top-level resource). */
    parent: string;
    /** The URNs it may have had in an earlier stack (its aliases, as the engine would see them). */
    aliases: string[];
    /** The URN of the resource whose delete makes its own unnecessary (Pulumi skips it), or "". */
    deletedWith: string;
}

/** How the runtime marks a secret value when it serialises inputs. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
export const isSecretValue = (v: any) => typeof v === "object" && v !== null && v[SECRET_SIG] === "1b47061264138c4ac30d75fd1eb44270";

function reveal(value: any): any {
    if (isSecretValue(value)) {
        return reveal(value.value);
    }
    if (Array.isArray(value)) {
        return value.map(reveal);
    }
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reveal(v)]));
    }
    return value;
}

/** A real certificate (parsers need one) marked with the CA's resource name; PEM readers skip the text before it. */
const MOCK_CA_PEM = fs.readFileSync(path.join(__dirname, "..", "fixtures", "tls", "mock-ca.pem"), "utf8");
export function mockCaCert(name: string): string {
    return `CA-CERT(${name})\n${MOCK_CA_PEM}`;
}

/** Outputs the providers would compute, made recognisable so tests can follow them through the graph. */
function computedState(type: string, name: string, inputs: any): Record<string, unknown> {
    switch (type) {
        case "tls:index/privateKey:PrivateKey":
            return { privateKeyPem: `KEY(${name})`, publicKeyPem: `PUB(${name})` };
        case "tls:index/selfSignedCert:SelfSignedCert":
            return { certPem: mockCaCert(name) };
        case "tls:index/certRequest:CertRequest":
            return { certRequestPem: `CSR(${name})` };
        case "tls:index/locallySignedCert:LocallySignedCert":
            return { certPem: `CERT(${name}; signed by ${inputs.caCertPem})` };
        case "docker:index/remoteImage:RemoteImage":
            return { imageId: `sha256:${inputs.name}` };
        default:
            return {};
    }
}

let current: Registered[] = [];
type Options = Pick<Registered, "deleteBeforeReplace" | "retainOnDelete" | "dependencies" | "parent" | "aliases" | "deletedWith">;
const pending = new Map<string, Options>();
let installed = false;

function install(): void {
    if (installed) {
        return;
    }
    installed = true;
    // The mock monitor hands mocks only type, name and inputs; the request itself also says what the
    // engine would be told about replacement order and dependencies, so read those from it.
    const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks");
    const original = MockMonitor.prototype.registerResource;
    MockMonitor.prototype.registerResource = function (req: any, callback: any) {
        pending.set(`${req.getType()}::${req.getName()}`, {
            deleteBeforeReplace: req.getDeletebeforereplace(),
            retainOnDelete: req.getRetainondelete(),
            dependencies: req.getDependenciesList(),
            parent: req.getParent(),
            aliases: [
                ...req.getAliasurnsList(),
                ...req.getAliasesList().map((a: any) => (a.hasUrn() ? a.getUrn() : JSON.stringify(a.getSpec()?.toObject()))),
            ],
            deletedWith: req.getDeletedwith(),
        });
        return original.call(this, req, callback);
    };
    pulumi.runtime.setMocks(
        {
            newResource(args: pulumi.runtime.MockResourceArgs) {
                const state = { ...args.inputs, ...computedState(args.type, args.name, args.inputs) };
                const options = pending.get(`${args.type}::${args.name}`) ?? { deleteBeforeReplace: false, retainOnDelete: false, dependencies: [], parent: "", aliases: [], deletedWith: "" };
                current.push({
                    type: args.type,
                    name: args.name,
                    urn: `urn:pulumi:stack::dind-compose::${args.type}::${args.name}`,
                    inputs: reveal(args.inputs),
                    raw: args.inputs,
                    ...options,
                });
                return { id: `${args.name}-id`, state };
            },
            call(args: pulumi.runtime.MockCallArgs) {
                throw new Error(`unexpected call to ${args.token}`);
            },
        },
        "dind-compose",
        "stack",
        false,
    );
}

export interface Graph {
    readonly resources: Registered[];
    readonly outputs: StackOutputs;
}

/** Builds the stack of `settings` under mocks and waits until every resource has registered. */
export async function buildGraph(settings: Settings, hostImages: Record<string, string> = {}): Promise<Graph> {
    install();
    current = [];
    const resources = current;
    const outputs = buildStack(settings, { imageIds: (refs) => Object.fromEntries(refs.filter((r) => hostImages[r]).map((r) => [r, hostImages[r]])) });
    await new Promise<void>((resolve) => pulumi.all([outputs.caCertificate, outputs.projectClientKeys, outputs.projectDetails as any]).apply(() => resolve()));
    // Children register as their inputs resolve; wait until the graph stops growing.
    for (let seen = -1; seen !== resources.length; ) {
        seen = resources.length;
        await new Promise((resolve) => setTimeout(resolve, 150));
    }
    return { resources, outputs };
}
