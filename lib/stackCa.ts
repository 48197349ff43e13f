// Handing the stack's CA to a project's containers without editing its
// compose files: an override file the runner applies after the project's own
// (`trustStackCa: true`). Compose injects each file from an inline config, so
// nothing is bind-mounted from the daemon. Where the files land:
//
// - /etc/ssl/certs/dind-compose-ca.pem: Go reads every file in /etc/ssl/certs;
// - /etc/ssl/certs/<subject hash>.0: OpenSSL (curl, wget, Python's ssl, Ruby,
//   PHP...) looks a CA up by that name in its certificate directory;
// - /usr/local/share/ca-certificates/dind-compose-ca.crt: where
//   `update-ca-certificates` picks it up into the system bundle, for images
//   whose entrypoint runs it;
// - NODE_EXTRA_CA_CERTS: Node.js, which reads no directory.

import { createHash, X509Certificate } from "crypto";
import * as YAML from "yaml";

const PEM_FILE = "/etc/ssl/certs/dind-compose-ca.pem";
const SYSTEM_SOURCE = "/usr/local/share/ca-certificates/dind-compose-ca.crt";
const CONFIG_PREFIX = "dind-compose-stack-ca";

/** One DER TLV: tag byte, where its content starts and where it ends. */
interface Tlv {
    readonly tag: number;
    readonly start: number;
    readonly contentStart: number;
    readonly end: number;
}

function readTlv(der: Buffer, offset: number): Tlv {
    const tag = der[offset];
    let length = der[offset + 1];
    let contentStart = offset + 2;
    if (length & 0x80) {
        const bytes = length & 0x7f;
        length = 0;
        for (let i = 0; i < bytes; i++) {
            length = length * 256 + der[offset + 2 + i];
        }
        contentStart += bytes;
    }
    const end = contentStart + length;
    if (tag === undefined || end > der.length) {
        throw new Error("malformed DER in the CA certificate");
    }
    return { tag, start: offset, contentStart, end };
}

function children(der: Buffer, parent: Tlv): Tlv[] {
    const result: Tlv[] = [];
    for (let offset = parent.contentStart; offset < parent.end; ) {
        const child = readTlv(der, offset);
        result.push(child);
        offset = child.end;
    }
    return result;
}

function encode(tag: number, content: Buffer): Buffer {
    const n = content.length;
    const length = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
    return Buffer.concat([Buffer.from([tag]), length, content]);
}

/** ASN.1 string types OpenSSL canonicalises (UTF8, Printable, T61, IA5, Visible, Universal, BMP). */
const CANONICAL_STRING_TAGS = new Set([0x0c, 0x13, 0x14, 0x16, 0x1a, 0x1c, 0x1e]);

function decodeString(tag: number, raw: Buffer): string {
    switch (tag) {
        case 0x0c:
            return raw.toString("utf8");
        case 0x1e: // BMPString: UTF-16 big-endian
            return Buffer.from(raw).swap16().toString("utf16le");
        case 0x1c: // UniversalString: UTF-32 big-endian
            return String.fromCodePoint(...Array.from({ length: raw.length / 4 }, (_, i) => raw.readUInt32BE(i * 4)));
        default:
            return raw.toString("latin1");
    }
}

function canonicalValue(der: Buffer, value: Tlv): Buffer {
    if (!CANONICAL_STRING_TAGS.has(value.tag)) {
        return der.subarray(value.start, value.end);
    }
    const raw = der.subarray(value.contentStart, value.end);
    const text = decodeString(value.tag, raw);
    const canonical = text
        .replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, "")
        .replace(/[ \t\n\v\f\r]+/g, " ")
        .replace(/[A-Z]/g, (c) => c.toLowerCase());
    return encode(0x0c, Buffer.from(canonical, "utf8"));
}

/**
 * OpenSSL's subject name hash (`openssl x509 -hash`), the name under which its
 * certificate directory lookup finds a CA: the first four bytes, little-endian,
 * of the SHA-1 of the subject's canonical encoding (every string value
 * lower-cased and whitespace-folded, as UTF8String; the RDN sets without the
 * outer SEQUENCE).
 */
export function opensslSubjectHash(certificatePem: string): string {
    const der = new X509Certificate(certificatePem).raw;
    const certificate = readTlv(der, 0);
    const tbs = children(der, certificate)[0];
    const fields = children(der, tbs);
    // [0] version is optional; then serial, signature algorithm, issuer, validity, subject.
    const subject = fields[fields[0].tag === 0xa0 ? 5 : 4];
    const canonical = children(der, subject).map((set) => {
        const attributes = children(der, set).map((sequence) => {
            const [oid, value] = children(der, sequence);
            return encode(0x30, Buffer.concat([der.subarray(oid.start, oid.end), canonicalValue(der, value)]));
        });
        return encode(0x31, Buffer.concat(attributes.sort(Buffer.compare)));
    });
    const digest = createHash("sha1").update(Buffer.concat(canonical)).digest();
    return digest.readUInt32LE(0).toString(16).padStart(8, "0");
}

/** Where the override puts the CA inside every service's containers. */
export function stackCaTargets(certificatePem: string): string[] {
    return [PEM_FILE, `/etc/ssl/certs/${opensslSubjectHash(certificatePem)}.0`, SYSTEM_SOURCE];
}

/** The override file's text: the CA as inline configs, mounted into each of `services`, and NODE_EXTRA_CA_CERTS. */
export function stackCaOverride(services: readonly string[], certificatePem: string): string {
    const targets = stackCaTargets(certificatePem);
    const configs = Object.fromEntries(targets.map((_, i) => [`${CONFIG_PREFIX}-${i + 1}`, { content: certificatePem }]));
    const service = {
        configs: targets.map((target, i) => ({ source: `${CONFIG_PREFIX}-${i + 1}`, target, mode: 0o444 })),
        environment: { NODE_EXTRA_CA_CERTS: PEM_FILE },
    };
    return (
        "# Written by dind-compose (trustStackCa): hands the stack's CA to every service.\n" +
        YAML.stringify({ services: Object.fromEntries(services.map((s) => [s, service])), configs }, { aliasDuplicateObjects: false })
    );
}
