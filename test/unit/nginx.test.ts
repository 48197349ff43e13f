import * as assert from "assert";
import { escapeHtml, renderNginxConfig, renderUnknownHostPage, routeUrl } from "../../lib/nginx";

const routes = [
    { host: "b.project.localhost", upstream: "project-b", port: 80, project: "project-b" },
    { host: "a.project.localhost", upstream: "project-a", port: 3000, project: "project-a" },
];
const ports = { httpPort: 18080, httpsPort: 18443 };

function serverBlock(config: string, host: string): string {
    const name = config.indexOf(`server_name ${host};`);
    assert.ok(name > 0, `no server for ${host}`);
    const start = config.lastIndexOf("server {", name);
    return config.slice(start, config.indexOf("\n}\n", name));
}

describe("nginx configuration", () => {
    const config = renderNginxConfig(routes, ports);

    it("renders a server for every route, proxying to the daemon alias and port", () => {
        assert.match(serverBlock(config, "a.project.localhost"), /set \$upstream project-a:3000;\n\s+proxy_pass http:\/\/\$upstream;/);
        assert.match(serverBlock(config, "b.project.localhost"), /set \$upstream project-b:80;/);
    });

    it("resolves upstreams through Docker's DNS at request time, not once at startup", () => {
        assert.match(config, /^resolver 127\.0\.0\.11 valid=\d+s/m);
        // A literal host in proxy_pass would be resolved once when nginx starts.
        assert.doesNotMatch(config, /proxy_pass http:\/\/project-/);
    });

    it("renders a WebSocket-capable location for every route", () => {
        for (const route of routes) {
            const block = serverBlock(config, route.host);
            assert.match(block, /proxy_http_version 1\.1;/);
            assert.match(block, /proxy_set_header Upgrade \$http_upgrade;/);
            assert.match(block, /proxy_set_header Connection \$connection_upgrade;/);
        }
        assert.match(config, /map \$http_upgrade \$connection_upgrade \{\n\s+default upgrade;\n\s+''\s+close;/);
    });

    it("passes Host and X-Forwarded-* with the published host ports", () => {
        const block = serverBlock(config, "a.project.localhost");
        for (const header of ["Host $http_host", "X-Forwarded-For $proxy_add_x_forwarded_for", "X-Forwarded-Proto $scheme", "X-Forwarded-Host $host", "X-Forwarded-Port $forwarded_port"]) {
            assert.ok(block.includes(`proxy_set_header ${header};`), header);
        }
        assert.match(config, /map \$scheme \$forwarded_port \{\n\s+https 18443;\n\s+default 18080;/);
    });

    it("serves every route over HTTP and HTTPS and has a default server for unknown hosts", () => {
        assert.match(serverBlock(config, "a.project.localhost"), /listen 443 ssl;/);
        assert.match(config, /listen 80 default_server;\n\s+listen 443 ssl default_server;\n\s+server_name _;/);
        assert.match(config, /error_page 404 \/unknown-host\.html;/);
    });

    it("lists the known routes, with their URLs, on the unknown-host page", () => {
        const page = renderUnknownHostPage("dev", routes, ports);
        assert.ok(page.includes("http://a.project.localhost:18080/"));
        assert.ok(page.includes("https://b.project.localhost:18443/"));
        assert.ok(page.indexOf("a.project.localhost") < page.indexOf("b.project.localhost"), "routes are sorted");
    });

    it("leaves default ports out of URLs", () => {
        assert.strictEqual(routeUrl("http", "a.localhost", 80), "http://a.localhost/");
        assert.strictEqual(routeUrl("https", "a.localhost", 443), "https://a.localhost/");
        assert.strictEqual(routeUrl("https", "a.localhost", 8443), "https://a.localhost:8443/");
    });

    it("escapes HTML in pages", () => {
        assert.strictEqual(escapeHtml(`<a href="x">&</a>`), "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;");
    });
});
