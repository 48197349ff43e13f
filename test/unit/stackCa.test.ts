import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { opensslSubjectHash, stackCaOverride, stackCaTargets } from "../../lib/stackCa";

/** A self-signed certificate for `subject`, made by the openssl CLI. */
function certificate(subject: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dc-stackca-"));
    try {
        execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem"), "-days", "1", "-subj", subject, "-utf8"], { stdio: "ignore" });
        return fs.readFileSync(path.join(dir, "cert.pem"), "utf8");
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

function opensslHash(pem: string): string {
    return execFileSync("openssl", ["x509", "-hash", "-noout"], { input: pem, encoding: "utf8" }).trim();
}

describe("stack CA for inner containers", () => {
    it("computes OpenSSL's subject hash, as `openssl x509 -hash` prints it", () => {
        for (const subject of ["/O=dind-compose/CN=dind-compose dev", "/O=Dind  Compose /CN=  Alice\\/Dev ", "/C=DE/O=Ünïcode GmbH/CN=Stack CA"]) {
            const pem = certificate(subject);
            assert.strictEqual(opensslSubjectHash(pem), opensslHash(pem), subject);
        }
    });

    it("writes an override that mounts the CA into every service from inline configs and sets NODE_EXTRA_CA_CERTS", () => {
        const pem = certificate("/O=dind-compose/CN=dind-compose dev");
        const doc = YAML.parse(stackCaOverride(["api", "web"], pem));
        const targets = stackCaTargets(pem);
        assert.deepStrictEqual(targets, ["/etc/ssl/certs/dind-compose-ca.pem", `/etc/ssl/certs/${opensslHash(pem)}.0`, "/usr/local/share/ca-certificates/dind-compose-ca.crt"]);
        assert.deepStrictEqual(Object.keys(doc.services), ["api", "web"]);
        for (const service of Object.values<any>(doc.services)) {
            assert.deepStrictEqual(service.configs.map((c: any) => c.target), targets);
            assert.strictEqual(service.environment.NODE_EXTRA_CA_CERTS, targets[0]);
            for (const c of service.configs) {
                assert.strictEqual(doc.configs[c.source].content, pem);
            }
        }
    });
});
