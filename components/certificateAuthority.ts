// A certificate authority and the certificates it issues, all from @pulumi/tls.
//
// TLS policy (why these values):
// - ECDSA P-256 keys: fast to generate on `pulumi up`, accepted by dockerd,
//   the Docker CLI, nginx, the registry and every browser.
// - CA certificates are valid for 5 years and renewed 90 days early; leaf
//   certificates for 1 year, renewed 30 days early. Renewal happens on the
//   `pulumi up` that falls inside the window: the certificate is replaced and
//   so is the container it is uploaded into, never a data volume.
// - Private keys are Pulumi secrets: encrypted in the state, masked in output.

import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";

export const TLS_POLICY = {
    algorithm: "ECDSA",
    ecdsaCurve: "P256",
    caValidityHours: 5 * 365 * 24,
    caEarlyRenewalHours: 90 * 24,
    leafValidityHours: 365 * 24,
    leafEarlyRenewalHours: 30 * 24,
} as const;

const SECRET_KEY_OUTPUTS = ["privateKeyPem", "privateKeyPemPkcs8", "privateKeyOpenssh"];

export interface CertificateAuthorityArgs {
    /** Subject common name of the CA certificate, e.g. `dind-compose dev project-a CA`. */
    readonly commonName: string;
}

/** A certificate (public) and its private key (secret): a CA's, which signs others, or a leaf's. */
export interface KeyPair {
    readonly certPem: pulumi.Output<string>;
    readonly privateKeyPem: pulumi.Output<string>;
}

/** `<name>-key`: a private key by the TLS policy, its PEM outputs kept secret. */
function createPrivateKey(name: string, opts: pulumi.CustomResourceOptions): tls.PrivateKey {
    return new tls.PrivateKey(
        `${name}-key`,
        { algorithm: TLS_POLICY.algorithm, ecdsaCurve: TLS_POLICY.ecdsaCurve },
        { ...opts, additionalSecretOutputs: SECRET_KEY_OUTPUTS },
    );
}

/**
 * A private key and a self-signed CA certificate, `<name>-key` and `<name>-cert`, created with `opts` (their
 * parent, and aliases). For a CA of its own, wrap it in a CertificateAuthority; a component that holds several
 * certificates (ProjectTls) creates them directly, one component level less.
 */
export function createCertificateAuthority(name: string, args: CertificateAuthorityArgs, opts: pulumi.CustomResourceOptions): KeyPair {
    const key = createPrivateKey(name, opts);
    const cert = new tls.SelfSignedCert(
        `${name}-cert`,
        {
            privateKeyPem: key.privateKeyPem,
            subject: { commonName: args.commonName, organization: "dind-compose" },
            isCaCertificate: true,
            validityPeriodHours: TLS_POLICY.caValidityHours,
            earlyRenewalHours: TLS_POLICY.caEarlyRenewalHours,
            allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
        },
        opts,
    );
    return { certPem: cert.certPem, privateKeyPem: pulumi.secret(key.privateKeyPem) };
}

/** A private key and a self-signed CA certificate. */
export class CertificateAuthority extends pulumi.ComponentResource implements KeyPair {
    /** PEM of the CA certificate (public). */
    public readonly certPem: pulumi.Output<string>;
    /** PEM of the CA's private key (secret). */
    public readonly privateKeyPem: pulumi.Output<string>;

    constructor(name: string, args: CertificateAuthorityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dind-compose:index:CertificateAuthority", name, {}, opts);
        const ca = createCertificateAuthority(name, args, { parent: this });
        this.certPem = ca.certPem;
        this.privateKeyPem = ca.privateKeyPem;
        this.registerOutputs({ certPem: this.certPem });
    }
}

export interface CertificateArgs {
    /** The CA that signs this certificate. */
    readonly ca: KeyPair;
    /** Subject common name. */
    readonly commonName: string;
    /** `server` certificates authenticate a listener, `client` ones a caller. */
    readonly usage: "server" | "client";
    /** DNS names the certificate is valid for (server certificates). */
    readonly dnsNames?: pulumi.Input<pulumi.Input<string>[]>;
    /** IP addresses the certificate is valid for (server certificates). */
    readonly ipAddresses?: pulumi.Input<pulumi.Input<string>[]>;
}

/** What every leaf certificate gets, signed or pinned: the policy's validity and renewal, and its one use. */
function leafTerms(usage: CertificateArgs["usage"]) {
    return {
        validityPeriodHours: TLS_POLICY.leafValidityHours,
        earlyRenewalHours: TLS_POLICY.leafEarlyRenewalHours,
        allowedUses: ["digital_signature", "key_encipherment", usage === "server" ? "server_auth" : "client_auth"],
    };
}

/**
 * A private key and a certificate for it signed by `args.ca`: `<name>-key`, `<name>-csr` and `<name>-cert`,
 * created with `opts` (their parent, and aliases).
 */
export function createCertificate(name: string, args: CertificateArgs, opts: pulumi.CustomResourceOptions): KeyPair {
    const key = createPrivateKey(name, opts);
    const request = new tls.CertRequest(
        `${name}-csr`,
        {
            privateKeyPem: key.privateKeyPem,
            subject: { commonName: args.commonName, organization: "dind-compose" },
            dnsNames: args.dnsNames,
            ipAddresses: args.ipAddresses,
        },
        opts,
    );
    const cert = new tls.LocallySignedCert(
        `${name}-cert`,
        {
            certRequestPem: request.certRequestPem,
            caPrivateKeyPem: args.ca.privateKeyPem,
            caCertPem: args.ca.certPem,
            ...leafTerms(args.usage),
        },
        opts,
    );
    return { certPem: cert.certPem, privateKeyPem: pulumi.secret(key.privateKeyPem) };
}

/** A pinned certificate is described as a signed one is, without the CA. */
export type PinnedCertificateArgs = Omit<CertificateArgs, "ca">;

/**
 * A private key and a self-signed leaf certificate for it, `<name>-key` and `<name>-cert`, created with `opts`:
 * a certificate the other side trusts by holding exactly it (as its CA file), not a CA. It signs nothing
 * (no CA flag, no signing use); a peer that trusts it accepts this certificate and no other.
 */
export function createPinnedCertificate(name: string, args: PinnedCertificateArgs, opts: pulumi.CustomResourceOptions): KeyPair {
    const key = createPrivateKey(name, opts);
    const cert = new tls.SelfSignedCert(
        `${name}-cert`,
        {
            privateKeyPem: key.privateKeyPem,
            subject: { commonName: args.commonName, organization: "dind-compose" },
            dnsNames: args.dnsNames,
            ipAddresses: args.ipAddresses,
            isCaCertificate: false,
            ...leafTerms(args.usage),
        },
        opts,
    );
    return { certPem: cert.certPem, privateKeyPem: pulumi.secret(key.privateKeyPem) };
}

/** A private key and a certificate for it signed by a CertificateAuthority. */
export class Certificate extends pulumi.ComponentResource implements KeyPair {
    /** PEM of the signed certificate (public). */
    public readonly certPem: pulumi.Output<string>;
    /** PEM of the private key (secret). */
    public readonly privateKeyPem: pulumi.Output<string>;

    constructor(name: string, args: CertificateArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dind-compose:index:Certificate", name, {}, opts);
        const certificate = createCertificate(name, args, { parent: this });
        this.certPem = certificate.certPem;
        this.privateKeyPem = certificate.privateKeyPem;
        this.registerOutputs({ certPem: this.certPem });
    }
}
