import * as assert from "assert";
import { escapeHtml, renderNginxConfig, renderUnknownHostPage, renderUpstreamDownPage, routeUrl } from "../../lib/nginx";
import { projectNames } from "../../lib/names";

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

    it("serves every route over HTTP and HTTPS on the host's port numbers, and has a default server for unknown hosts", () => {
        // The same ports inside the container as on the host: a stack URL works unchanged from inside a project.
        assert.match(serverBlock(config, "a.project.localhost"), /listen 18080;\n\s+listen 18443 ssl;/);
        assert.match(config, /listen 18080 default_server;\n\s+listen 18443 ssl default_server;\n\s+server_name _;/);
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

    it("refuses to render a host, upstream, project or port that could inject directives", () => {
        const good = routes[0];
        const hostile = [
            { ...good, host: "x;\n    location / { return 200; }\n#" },
            { ...good, host: "a.localhost b.localhost" },
            { ...good, host: "*.localhost" },
            { ...good, host: "_" },
            { ...good, host: "" },
            { ...good, upstream: "project-b:80; return 200" },
            { ...good, upstream: "a.b" },
            { ...good, project: "p\n}\nserver {" },
            { ...good, port: 0 },
            { ...good, port: 65536 },
            { ...good, port: 80.5 },
            { ...good, port: Number.NaN },
            { ...good, port: "80;" as unknown as number },
        ];
        for (const route of hostile) {
            assert.throws(() => renderNginxConfig([route], ports), /^Error: nginx configuration: route /, JSON.stringify(route));
            assert.throws(() => renderUnknownHostPage("dev", [route], ports), /^Error: nginx configuration: route /, JSON.stringify(route));
        }
        assert.throws(() => renderNginxConfig(routes, { httpPort: 80, httpsPort: "443;" as unknown as number }), /httpsPort/);
        // nginx listens on the host's port numbers, and cannot serve HTTP and HTTPS on one.
        assert.throws(() => renderNginxConfig(routes, { httpPort: 8080, httpsPort: 8080 }), /httpPort and httpsPort are both 8080/);
        assert.throws(() => renderNginxConfig([good, { ...good, project: "other", upstream: "other" }], ports), /routed twice/);
    });

    it("names each project's runner container through lib/names on both pages", () => {
        const stack = "Alice/Dev";
        const down = renderUpstreamDownPage(stack, routes);
        const unknown = renderUnknownHostPage(stack, routes, ports);
        for (const page of [down, unknown]) {
            assert.ok(page.includes(`docker logs ${projectNames(stack, "project-a").runner}`), page);
            assert.ok(page.includes(`docker logs ${projectNames(stack, "project-b").runner}`), page);
            assert.ok(page.includes("dc-Dev.project-a.runner"), page);
            assert.doesNotMatch(page, /dc-Alice|dc-dev-|&lt;project&gt;/);
        }
        assert.ok(down.indexOf("a.project.localhost") < down.indexOf("b.project.localhost"), "routes are sorted");
    });

    it("escapes the stack name in pages", () => {
        const page = renderUnknownHostPage("<b>", [], ports);
        assert.ok(page.includes("&lt;b&gt;") && !page.includes("<b><"), page);
        assert.ok(renderUpstreamDownPage("a&b", []).includes("a&amp;b"));
    });

    it("escapes HTML in pages", () => {
        assert.strictEqual(escapeHtml(`<a href="x">&</a>`), "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;");
    });
});
